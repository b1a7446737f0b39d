// The console's few behaviours: error messages, claim -> evidence, keyboard shortcuts, the playground's
// streamed answer, rating keys.
(function () {
  "use strict";
  function flash(message) {
    var box = document.getElementById("flash");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.hidden = true; }, 8000);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr, message = "Request failed (" + xhr.status + ")";
    try {
      var body = JSON.parse(xhr.responseText);
      message = (body.error && body.error.message) || body.message || message;
    } catch (e) { /* not JSON: keep the status line */ }
    flash(message);
  });
  document.addEventListener("htmx:sendError", function () { flash("The server cannot be reached."); });

  // Clicking a claim (in the answer or the claim list) shows its evidence span inside the source chunk.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-evidence]");
    if (!target) return;
    var panel = document.getElementById(target.getAttribute("data-evidence"));
    if (!panel) return;
    var show = panel.hidden;
    panel.closest("article, section, body").querySelectorAll(".evidence").forEach(function (p) { p.hidden = true; });
    panel.hidden = !show;
    if (show) panel.scrollIntoView({block: "nearest"});
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-evidence]")) event.target.click();
  });

  // Ctrl/Cmd+Enter submits the form the cursor is in.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("form");
    if (form) { event.preventDefault(); form.requestSubmit(); }
  });

  // The playground streams its answer: each sentence appears as the generator writes it, then the whole turn
  // (answer with citations, chunks, grounding) replaces it. The form keeps hx-post for its attributes'
  // sake, but this capturing listener sends it and htmx never sees the submit.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-stream]")) return;
    event.preventDefault();
    event.stopPropagation();
    if (form.dataset.busy) return;
    form.dataset.busy = "1";
    var turns = document.querySelector(form.getAttribute("hx-target"));
    var indicator = document.querySelector(form.getAttribute("hx-indicator"));
    var live = document.createElement("article"), question = document.createElement("h3");
    var text = document.createElement("p");
    live.className = "turn streaming";
    live.setAttribute("data-testid", "streaming-turn");
    question.className = "question";
    question.textContent = form.query.value;
    text.className = "answer";
    text.setAttribute("data-testid", "streamed-answer");
    live.append(question, text);
    var body = new URLSearchParams(new FormData(form));
    if (indicator) indicator.classList.add("htmx-request");
    function handle(message) {
      if (message.error) throw new Error(message.error);
      if (message.text !== undefined) {
        if (!live.isConnected) turns.append(live);
        text.textContent += (text.textContent ? " " : "") + message.text;
        live.scrollIntoView({block: "nearest"});
      }
      if (message.html !== undefined) {
        live.remove();
        htmx.swap(turns, message.html, {swapStyle: "beforeend"});
        form.query.value = "";
        form.query.focus();
      }
    }
    fetch(form.dataset.stream, {method: "POST", body: body, credentials: "same-origin"}).then(function (response) {
      if (!response.ok) {
        return response.text().then(function (raw) {
          var message = "Request failed (" + response.status + ")";
          try { message = JSON.parse(raw).error.message || message; } catch (e) { /* not JSON */ }
          throw new Error(message);
        });
      }
      var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function read() {
        return reader.read().then(function (chunk) {
          buffer += decoder.decode(chunk.value || new Uint8Array(0), {stream: !chunk.done});
          var lines = buffer.split("\n");
          buffer = lines.pop();
          lines.forEach(function (line) { if (line.trim()) handle(JSON.parse(line)); });
          if (!chunk.done) return read();
        });
      }
      return read();
    }).catch(function (error) {
      live.remove();
      flash(error.message || "The server cannot be reached.");
    }).finally(function () {
      delete form.dataset.busy;
      if (indicator) indicator.classList.remove("htmx-request");
    });
  }, true);

  // Rating page: keys set the current response's rating; when every response has one, the form is sent.
  document.addEventListener("keydown", function (event) {
    var form = document.getElementById("rating");
    if (!form || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.matches("input[type=text], textarea")) return;
    var key = event.key, nav = form.dataset;
    if ((key === "ArrowRight" || key === "n" || key === "j") && nav.next) { location.href = nav.next; return; }
    if ((key === "ArrowLeft" || key === "p" || key === "k") && nav.previous) { location.href = nav.previous; return; }
    var button = form.querySelector('[data-key="' + CSS.escape(key) + '"]:not([disabled])');
    if (button) { event.preventDefault(); button.click(); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("#rating [data-set]");
    if (!button) return;
    event.preventDefault();
    var form = document.getElementById("rating"), method = form.dataset.method;
    var field = form.querySelector('input[name="' + button.dataset.set + '"]');
    if (method === "rank") {  // each press gives the next rank to the chosen response
      if (field.value) return;
      var taken = Array.prototype.filter.call(form.querySelectorAll("input[data-rating]"), function (f) { return f.value; });
      field.value = String(taken.length + 1);
    } else {
      field.value = button.dataset.value;
    }
    form.querySelectorAll('[data-set="' + button.dataset.set + '"]').forEach(function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    var badge = form.querySelector('[data-shows="' + button.dataset.set + '"]');
    if (badge) badge.textContent = method === "rank" ? "rank " + field.value : button.textContent.trim();
    var open = Array.prototype.filter.call(form.querySelectorAll("input[data-rating]"), function (f) { return !f.value; });
    var current = form.querySelector(".response.current");
    if (current) current.classList.remove("current");
    if (open.length === 0) { form.requestSubmit(); return; }
    var next = form.querySelector('.response[data-field="' + open[0].name + '"]');
    if (next) next.classList.add("current");
    if (method !== "rank") {  // the rating keys apply to the next response still to rate
      form.querySelectorAll("[data-key]").forEach(function (b) {
        b.dataset.key = b.dataset.set === open[0].name ? b.dataset.value : "";
      });
    }
  });
})();

"""The playground's streamed answer (``POST /ui/playground/stream``): newline-delimited JSON read with httpx,
and in Debian's chromium through Playwright, where the first sentence is on the page while the chat model
(a real HTTP server on loopback, held mid-reply) has not finished, and the cited turn replaces it at the end."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.settings import Settings
from tests.conftest import ServerFactory
from tests.console_support import CHROMIUM_ARGS, chromium_or_skip, sample_home
from tests.fake_openai import fake_chat_server

QUESTION = "What is the price of Harbour Blend?"
REPLY = "Harbour Blend costs 12.90 per bag [1]. It is a washed coffee from Colombia [1]."


def _csrf(client: httpx.Client) -> dict[str, str]:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/playground").text)
    assert token is not None
    return {"X-CSRF-Token": token.group(1)}


def test_the_stream_sends_each_sentence_then_the_cited_turn(live_server: ServerFactory, tmp_path: Path) -> None:
    base_url = live_server(Settings(home=sample_home(tmp_path / "home"), embedder="hash"))
    with httpx.Client(base_url=base_url, timeout=60) as client:
        headers = _csrf(client)
        with client.stream("POST", "/ui/playground/stream", data={"kb": "sample", "query": QUESTION},
                           headers=headers) as response:  # fmt: skip
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("application/x-ndjson")
            lines = [json.loads(line) for line in response.iter_lines() if line]
        texts = [line["text"] for line in lines[:-1]]
        assert texts and all(set(line) == {"text"} for line in lines[:-1])
        html = lines[-1]["html"]
        assert 'data-testid="turn"' in html and "| NW-102 | Harbour Blend |" in html and texts[0] in html
        assert 'id="conversation"' in html  # the conversation id, swapped into the form out of band
        refused = client.post("/ui/playground/stream", data={"kb": "sample", "query": QUESTION, "filter": "{"},
                              headers=headers)  # fmt: skip
        assert refused.status_code == 400 and "not valid JSON" in refused.json()["error"]["message"]
        forged = client.post("/ui/playground/stream", data={"kb": "sample", "query": QUESTION})
        assert forged.status_code == 403


def test_the_playground_shows_the_answer_as_it_streams(live_server: ServerFactory, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = chromium_or_skip()
    home = sample_home(tmp_path / "home")
    with fake_chat_server(REPLY) as chat, sync_api.sync_playwright() as playwright:
        chat.gate, chat.gate_after = threading.Event(), REPLY.split(" ").index("It") + 1  # hold after "It"
        base_url = live_server(Settings(home=home, embedder="hash", llm_base_url=chat.base_url, llm_model="m"))
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        page: Any = browser.new_page()
        page.set_default_timeout(30_000)
        try:
            page.goto(f"{base_url}/ui/playground")
            page.fill("#query", QUESTION)
            page.press("#query", "Control+Enter")
            streamed = page.locator("[data-testid=streaming-turn] [data-testid=streamed-answer]")
            sync_api.expect(streamed).to_have_text("Harbour Blend costs 12.90 per bag.")  # marker gone
            assert page.locator("[data-testid=turn]").count() == 0  # the model is still writing
            chat.gate.set()
            turn = page.locator("[data-testid=turn]")
            sync_api.expect(turn).to_have_count(1)
            sync_api.expect(page.locator("[data-testid=streaming-turn]")).to_have_count(0)
            answer = turn.locator("[data-testid=answer]")
            sync_api.expect(answer).to_contain_text("It is a washed coffee from Colombia.")
            assert answer.locator("mark").all_inner_texts() == [
                "Harbour Blend costs 12.90 per bag.", "It is a washed coffee from Colombia."
            ]  # fmt: skip
            assert answer.locator("sup.cite").count() == 2  # citations come with the finished turn
            assert page.input_value("#query") == "" and page.input_value("#conversation") != ""
        finally:
            chat.gate.set()
            browser.close()

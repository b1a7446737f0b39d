"""The console in a real browser: Debian's chromium driven by Playwright against a real uvicorn server.

A person's walk: ask the playground about the sample data and open a claim's evidence; check an answer on
the checker page; run a human evaluation job with two reviewers rating by keyboard through to its summary
and exports; write guardrail test cases and run them; sign in when auth is on. Most use the hash fakes
for speed; the last one runs the default stack (MiniLM embeddings, the v1 grounding checker).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.keys import KeyStore
from app.settings import Settings
from tests.conftest import ServerFactory
from tests.console_support import CHROMIUM_ARGS, chromium_or_skip, sample_home

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")

DATASET = [
    {"prompt": "How many vacation days do full-time employees get?", "referenceResponse": "28 days a year.",
     "modelResponses": [{"response": "28 days of paid vacation a year.", "modelIdentifier": "model-a"},
                        {"response": "About two weeks.", "modelIdentifier": "model-b"}]},
    {"prompt": "Who handles payroll?", "modelResponses": [
        {"response": "The People team.", "modelIdentifier": "model-a"},
        {"response": "The CEO personally.", "modelIdentifier": "model-b"}]},
    {"prompt": "How much coffee may employees take home?", "modelResponses": [
        {"response": "One bag a month.", "modelIdentifier": "model-a"},
        {"response": "500 grams of roasted coffee per week.", "modelIdentifier": "model-b"}]},
]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = chromium_or_skip()
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


@pytest.fixture(scope="module")
def base_url(module_live_server: ServerFactory, tmp_path_factory: pytest.TempPathFactory) -> str:
    home = sample_home(tmp_path_factory.mktemp("home"))
    return module_live_server(Settings(home=home, embedder="hash"))


def ask(page: Any, question: str) -> Any:
    turns = page.locator("[data-testid=turn]")
    before = turns.count()
    page.fill("#query", question)
    page.press("#query", "Control+Enter")
    sync_api.expect(turns).to_have_count(before + 1)
    return turns.nth(before)


def test_playground_answers_cites_and_shows_a_claims_evidence(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/ui/playground")
    turn = ask(page, "What is the price of Harbour Blend?")
    answer = turn.locator("[data-testid=answer]")
    sync_api.expect(answer).to_contain_text("| NW-102 | Harbour Blend | Colombia | washed | medium | 12.90 |")
    assert "NW-101" not in answer.inner_text() and answer.locator("sup.cite").count() >= 1
    assert turn.locator("[data-testid=chunk]").count() == 5
    assert "products.csv" in turn.locator("[data-testid=chunk]").first.inner_text()
    evidence = turn.locator("[data-testid=evidence]").first
    sync_api.expect(evidence).to_be_hidden()
    turn.locator("mark.claim").first.click()
    sync_api.expect(evidence).to_be_visible()
    assert "Harbour Blend" in evidence.locator("mark.span").inner_text()

    page.click("summary:has-text('Retrieval and grounding settings')")
    page.fill("input[name=k]", "2")
    page.select_option("select[name=search_type]", "SEMANTIC")
    second = ask(page, "What is the CEO's salary?")
    sync_api.expect(second.locator("[data-testid=answer]")).to_have_text("The knowledge base does not say.")
    assert second.locator("[data-testid=chunk]").count() == 2

    conversation = page.input_value("#conversation")
    listed = page.locator(f"#conversations a[href='/ui/playground?conversation={conversation}']")
    sync_api.expect(listed).to_have_text("What is the price of Harbour Blend?")  # listed at once
    listed.click()
    sync_api.expect(page.locator("[data-testid=turn]")).to_have_count(2)  # the conversation keeps its history


def test_a_bad_filter_shows_the_servers_message(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/ui/playground")
    page.click("summary:has-text('Retrieval and grounding settings')")
    page.fill("textarea[name=filter]", '{"equals": {"key": "year"}}')
    page.fill("#query", "vacation days")
    page.click("#ask-button")
    sync_api.expect(page.locator("#flash")).to_contain_text("filter")
    assert page.locator("[data-testid=turn]").count() == 0


def test_checker_shows_each_claims_verdict_and_the_json_call(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/ui/checker")
    page.fill("#sources", "Green coffee sacks weigh up to 70 kg.\n---\nNobody may carry more than 25 kg alone.")
    page.fill("#check-query", "How much may one person carry?")
    page.fill("#check-answer", "Nobody may carry more than 25 kg alone. Anyone may lift 90 kg sacks.")
    page.click("#check-button")
    result = page.locator("[data-testid=check-result]")
    sync_api.expect(result).to_be_visible()
    rows = result.locator("[data-testid=claims] li")
    sync_api.expect(rows).to_have_count(2)
    labels = [row.get_attribute("class").split()[-1] for row in rows.all()]
    assert labels[0] == "supported" and labels[1] in ("unsupported", "contradicted"), labels
    rows.nth(0).locator("button").click()
    sync_api.expect(rows.nth(0).locator("[data-testid=evidence] mark.span")).to_have_text(
        "Nobody may carry more than 25 kg alone."
    )
    call = result.locator("[data-testid=json-call]").text_content()
    body = json.loads(call.split("<<'JSON'\n", 1)[1].rsplit("\nJSON", 1)[0])
    assert body["sources"][1] == "Nobody may carry more than 25 kg alone." and "/v1/grounding/check" in call


def test_two_reviewers_rate_by_keyboard_and_export(page: Any, base_url: str, tmp_path: Path) -> None:
    dataset = tmp_path / "pairs.jsonl"
    dataset.write_text("".join(json.dumps(line) + "\n" for line in DATASET), encoding="utf-8")
    page.goto(f"{base_url}/ui/evaluations")
    form = page.locator("#new-job")
    form.locator("input[name=name]").fill("pairs")
    form.locator("textarea[name=instructions]").fill("Which answer is correct?")
    form.locator("select[name=method]").select_option("compare")
    form.locator("input[name=reviewers]").fill("ana, ben")
    form.locator("input[name=dataset]").set_input_files(str(dataset))
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/ui/evaluations/*")
    job_url = page.url
    choices = {"ana": "aab", "ben": "abb"}
    for reviewer, keys in choices.items():
        page.goto(job_url)
        page.click(f"text=Rate as {reviewer}")
        for number, key in enumerate(keys, start=1):
            sync_api.expect(page.locator("[data-testid=prompt]")).to_have_text(DATASET[number - 1]["prompt"])
            page.keyboard.press(key)  # the rating saves and the next item of the queue opens
        sync_api.expect(page.locator("h1")).to_contain_text(f"All 3 items rated, {reviewer}")
    page.goto(job_url + "/summary")
    agreement = page.locator("[data-testid=agreement]")
    sync_api.expect(agreement).to_contain_text("ana & ben")
    assert "67 %" in agreement.inner_text()  # items 1 and 3 alike, 2 not
    assert page.locator("[data-testid=distribution] svg rect").count() >= 4
    assert page.locator("[data-testid=win-rates] svg").count() == 1
    wins = page.locator("[data-testid=win-rates] table").inner_text()
    assert "3/6 = 50 %" in wins  # model-a won a, a (ana) and a (ben)

    with page.expect_download() as download:
        page.click("text=JSONL")
    rows = [json.loads(line) for line in Path(download.value.path()).read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 12 and {r["reviewer"] for r in rows} == {"ana", "ben"}
    won = {(r["reviewer"], r["item"]) for r in rows if r["rating"] == 1 and r["model"] == "model-a"}
    assert won == {("ana", 1), ("ana", 2), ("ben", 1)}
    with page.expect_download() as download:
        page.click("text=CSV")
    table = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert len(table) == 12 and table[0]["prompt"] == DATASET[0]["prompt"]


def test_guardrail_test_cases_run_in_one_click(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/ui/guardrails")
    page.fill("#new-guardrail input[name=name]", "answers")
    page.fill("#new-guardrail input[name=grounding_threshold]", "0.5")
    page.fill("#new-guardrail input[name=relevance_threshold]", "0")
    page.click("#new-guardrail button")
    page.wait_for_url("**/ui/guardrails/*")
    sources = "Green coffee sacks weigh up to 70 kg. Nobody may carry more than 25 kg alone."
    for name, text, expected in [
        ("grounded", "Nobody may carry more than 25 kg alone.", "NONE"),
        ("made up", "Anyone may carry 90 kg alone.", "GUARDRAIL_INTERVENED"),
        ("wrongly expected", "Anyone may carry 90 kg alone.", "NONE"),
    ]:
        case = page.locator("#new-case")
        case.locator("input[name=name]").fill(name)
        case.locator("textarea[name=text]").fill(text)
        case.locator("input[name=query]").fill("How much may one person carry alone?")
        case.locator("textarea[name=sources]").fill(sources)
        case.locator("select[name=expected]").select_option(expected)
        case.locator("button").click()
        page.wait_for_load_state()
    sync_api.expect(page.locator("[data-testid=cases] tr")).to_have_count(4)
    page.click("#run-all")
    results = page.locator("[data-testid=results]")
    sync_api.expect(results).to_contain_text("2 of 3 passed")
    outcome = [row.inner_text().split("\t")[-1].strip() for row in results.locator("[data-testid=result]").all()]
    assert outcome == ["pass", "pass", "FAIL"]
    page.click("text=violations")
    sync_api.expect(page.locator("[data-testid=violations] tr")).to_have_count(3)  # header + two interventions


def test_with_auth_on_a_key_is_entered_once(browser: Any, live_server: ServerFactory, tmp_path: Path) -> None:
    home = sample_home(tmp_path / "home")
    keys = KeyStore(home)
    key, _ = keys.create()
    keys.close()
    base_url = live_server(Settings(home=home, embedder="hash", auth="required"))
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base_url}/ui/playground")
    assert "/ui/login" in page.url
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url("**/ui/playground")
    turn = ask(page, "How many vacation days do employees get?")
    sync_api.expect(turn.locator("[data-testid=answer]")).to_contain_text("28 days of paid vacation")
    (cookie,) = [c for c in context.cookies() if c["name"] == "ragkb_key"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""  # nothing for scripts to read
    context.close()


@pytest.mark.slow
def test_the_default_stack_answers_the_sample_questions(page: Any, live_server: ServerFactory, tmp_path: Path) -> None:
    home = sample_home(tmp_path / "home", embedder="sentence-transformers")
    base_url = live_server(Settings(home=home))
    page.goto(f"{base_url}/ui/playground")
    turn = ask(page, "How many kilograms may one person carry alone?")
    answer = turn.locator("[data-testid=answer]")
    sync_api.expect(answer).to_contain_text("Nobody may carry more than 25 kg alone.")
    assert answer.inner_text().count("Nobody may carry") == 1 and "#" not in answer.inner_text()
    sync_api.expect(turn.locator(".scores .pill").first).to_contain_text("grounding")
    assert turn.locator("mark.claim.supported").count() >= 1
    declined = ask(page, "What is the CEO's salary?")
    sync_api.expect(declined.locator("[data-testid=answer]")).to_have_text("The knowledge base does not say.")


@pytest.mark.parametrize(
    ("method", "keys", "expected"),
    [("likert", "4213", [[4, 2], [1, 3]]), ("rank", "2112", [[2, 1], [1, 2]]), ("thumbs", "1001", [[1, 0], [0, 1]])],
)
def test_per_response_ratings_by_keyboard(
    page: Any, base_url: str, tmp_path: Path, method: str, keys: str, expected: list[list[int]]
) -> None:
    dataset = tmp_path / "two.jsonl"
    dataset.write_text("".join(json.dumps(line) + "\n" for line in DATASET[:2]), encoding="utf-8")
    page.goto(f"{base_url}/ui/evaluations")
    form = page.locator("#new-job")
    form.locator("input[name=name]").fill(method)
    form.locator("select[name=method]").select_option(method)
    form.locator("input[name=reviewers]").fill("cleo")
    form.locator("input[name=dataset]").set_input_files(str(dataset))
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/ui/evaluations/*")
    job_url = page.url
    page.click("text=Rate as cleo")
    for number in range(2):
        sync_api.expect(page.locator("[data-testid=prompt]")).to_have_text(DATASET[number]["prompt"])
        for key in keys[2 * number : 2 * number + 2]:
            page.keyboard.press(key)
    sync_api.expect(page.locator("h1")).to_contain_text("All 2 items rated, cleo")
    with page.expect_download() as download:
        page.goto(job_url)
        page.click("text=JSONL")
    rows = [json.loads(line) for line in Path(download.value.path()).read_text(encoding="utf-8").splitlines()]
    assert [[r["rating"] for r in rows if r["item"] == item] for item in (1, 2)] == expected

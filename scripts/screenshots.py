"""Screenshots of every console page into docs/console/, for docs/console.md.

Builds the sample knowledge base (data/sample) in a temporary home, starts the server, and walks the
console in Debian's chromium as a person would: two playground questions (a claim's evidence open), a
grounding check, a two-reviewer human evaluation rated by keyboard, guardrail test cases run, the
violation log.

    HF_HUB_OFFLINE=1 python scripts/screenshots.py                 # the default stack (MiniLM)
    HF_HUB_OFFLINE=1 python scripts/screenshots.py --embedder hash # fast, meaningless scores
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.keys import ANONYMOUS  # noqa: E402
from app.core.services import Services  # noqa: E402
from app.http.app import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402
from ingest import ChunkingConfig  # noqa: E402
from retrieval import FolderSource, sync_folder  # noqa: E402

OUT = ROOT / "docs/console"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
DATASET = [
    {"prompt": "How many vacation days do full-time employees get?", "referenceResponse": "28 days a year.",
     "modelResponses": [{"response": "Full-time employees receive 28 days of paid vacation per calendar year, plus "
                                     "public holidays.", "modelIdentifier": "extractive"},
                        {"response": "About two weeks a year.", "modelIdentifier": "small-llm"}]},
    {"prompt": "Who handles payroll?", "modelResponses": [
        {"response": "The People team (people@northwind.example).", "modelIdentifier": "extractive"},
        {"response": "The CEO personally.", "modelIdentifier": "small-llm"}]},
    {"prompt": "How much coffee may employees take home?", "modelResponses": [
        {"response": "500 grams of roasted coffee per week, free of charge.", "modelIdentifier": "extractive"},
        {"response": "One bag a month.", "modelIdentifier": "small-llm"}]},
]  # fmt: skip


def build_home(home: Path, embedder: str) -> Settings:
    settings = Settings(home=home, embedder=embedder)
    services = Services(settings)
    services.create_knowledge_base("sample", chunking=ChunkingConfig())
    _, kb = services.open_kb("sample", principal=ANONYMOUS)
    sync_folder(kb, FolderSource("DS00000001", ROOT / "data/sample"))
    kb.save()
    services.close(save=False)
    return settings


def serve(settings: Settings) -> tuple[str, uvicorn.Server]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.1)
    return f"http://127.0.0.1:{port}", server


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print(f"docs/console/{name}.png")


def ask(page: Page, question: str) -> None:
    turns = page.locator("[data-testid=turn]")
    before = turns.count()
    page.fill("#query", question)
    page.press("#query", "Control+Enter")
    expect(turns).to_have_count(before + 1, timeout=120_000)


def walk(page: Page, base: str, dataset: Path) -> None:
    page.goto(f"{base}/ui/playground")
    ask(page, "How many kilograms may one person carry alone?")
    ask(page, "What is the price of Harbour Blend?")
    ask(page, "What is the CEO's salary?")
    page.locator("[data-testid=turn]").nth(0).locator("mark.claim").first.click()
    page.locator("[data-testid=turn]").nth(1).locator("[data-testid=chunk]").first.locator("summary").click()
    shoot(page, "playground")

    page.goto(f"{base}/ui/checker")
    page.fill("#sources", "Green coffee sacks weigh up to 70 kg. Always lift them with two people or with the sack "
              "trolley.\n---\nNobody may carry more than 25 kg alone.")  # fmt: skip
    page.fill("#check-query", "How much may one person carry?")
    page.fill("#check-answer", "Nobody may carry more than 25 kg alone. Sacks weigh up to 90 kg.")
    page.click("#check-button")
    page.locator("[data-testid=check-result] [data-testid=claims] button").nth(1).click(timeout=120_000)
    shoot(page, "checker")

    page.goto(f"{base}/ui/evaluations")
    form = page.locator("#new-job")
    form.locator("input[name=name]").fill("extractive vs small-llm")
    form.locator("textarea[name=instructions]").fill("Pick the answer that is correct and complete for the question.")
    form.locator("select[name=method]").select_option("compare")
    form.locator("input[name=reviewers]").fill("ana, ben")
    form.locator("input[name=dataset]").set_input_files(str(dataset))
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/ui/evaluations/*")
    job = page.url
    for reviewer, keys in (("ana", "aaa"), ("ben", "aba")):
        page.goto(f"{job}/review/{reviewer}")
        if reviewer == "ana":
            shoot(page, "review")
        for number, key in enumerate(keys):
            expect(page.locator("[data-testid=prompt]")).to_have_text(DATASET[number]["prompt"])
            page.keyboard.press(key)
        expect(page.locator("h1")).to_contain_text("All 3 items rated")
    page.goto(f"{job}/summary")
    shoot(page, "evaluation-summary")
    page.goto(f"{base}/ui/evaluations")
    shoot(page, "evaluations")

    page.goto(f"{base}/ui/guardrails")
    page.fill("#new-guardrail input[name=name]", "rag-answers")
    page.click("#new-guardrail button")
    page.wait_for_url("**/ui/guardrails/*")
    source = "Green coffee sacks weigh up to 70 kg. Nobody may carry more than 25 kg alone."
    for name, text, expected in [
        ("grounded answer passes", "Nobody may carry more than 25 kg alone.", "NONE"),
        ("invented weight is blocked", "Anyone may carry 90 kg sacks alone.", "GUARDRAIL_INTERVENED"),
        ("off-topic answer is blocked", "The capital of France is Paris.", "GUARDRAIL_INTERVENED"),
    ]:
        case = page.locator("#new-case")
        case.locator("input[name=name]").fill(name)
        case.locator("textarea[name=text]").fill(text)
        case.locator("input[name=query]").fill("How much may one person carry alone?")
        case.locator("textarea[name=sources]").fill(source)
        case.locator("select[name=expected]").select_option(expected)
        case.locator("button").click()
        page.wait_for_load_state()
    page.click("#run-all")
    expect(page.locator("[data-testid=results]")).to_be_visible(timeout=120_000)
    shoot(page, "guardrail-tests")
    page.goto(f"{base}/ui/guardrails/violations")
    shoot(page, "violations")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="sentence-transformers", choices=["sentence-transformers", "hash"])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        settings = build_home(Path(folder) / "home", args.embedder)
        dataset = Path(folder) / "pairs.jsonl"
        dataset.write_text("".join(json.dumps(line) + "\n" for line in DATASET), encoding="utf-8")
        base, server = serve(settings)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1366, "height": 860})
                page.set_default_timeout(60_000)
                walk(page, base, dataset)
                browser.close()
        finally:
            server.should_exit = True


if __name__ == "__main__":
    main()

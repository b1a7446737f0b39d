"""The stores behind the evaluator's console, opened together on first use (``Services.console``):
playground history, human evaluation jobs, guardrail test cases and the violation log, each in its
own SQLite file in the ragkb home."""

from __future__ import annotations

from pathlib import Path

from app.core.console.conversations import PlaygroundHistory
from app.core.console.human_eval.store import HumanEvalStore
from app.core.guardrails.cases import GuardrailTestStore
from app.core.guardrails.violations import ViolationLog


class ConsoleStores:
    def __init__(self, home: Path) -> None:
        self.history = PlaygroundHistory(home)
        self.evaluations = HumanEvalStore(home)
        self.guardrail_tests = GuardrailTestStore(home)
        self.violations = ViolationLog(home)

    def close(self) -> None:
        for store in (self.history, self.evaluations, self.guardrail_tests, self.violations):
            store.close()

"""The stores behind the evaluator's console, opened together on first use (``Services.console``):
playground history, human evaluation jobs, guardrail test cases and the violation log. Which backend holds
them is :class:`app.core.wiring.StateStores`' choice: each in its own SQLite file in the ragkb home, or all
in the PostgreSQL database of the knowledge bases (shared by every replica)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.console.conversations import PlaygroundHistory
from app.core.console.human_eval.store import HumanEvalStore
from app.core.guardrails.cases import GuardrailTestStore
from app.core.guardrails.violations import ViolationLog


@dataclass(frozen=True)
class ConsoleStores:
    history: PlaygroundHistory
    evaluations: HumanEvalStore
    guardrail_tests: GuardrailTestStore
    violations: ViolationLog

    def close(self) -> None:
        for store in (self.history, self.evaluations, self.guardrail_tests, self.violations):
            store.close()

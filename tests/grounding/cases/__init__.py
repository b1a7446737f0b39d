"""Hand-written adversarial grounding cases (issue 11, item 6): data only, no checker code.

``CASES`` holds every case; ``tests/grounding/test_grounding_adversarial.py`` runs them through the shipped
checker and ``bench/checks/bench_grounding_adversarial.py`` prints accuracy per category. The cases were
written for ragkb, not taken from a dataset. ``expected`` follows Bedrock's rule: any information
not in the sources makes the answer ungrounded; an answer that only declines asserts nothing.
"""

from tests.grounding.cases.answers import ANSWER_CASES
from tests.grounding.cases.case import CATEGORIES, Case, Category, Verdict
from tests.grounding.cases.facts import FACT_CASES

CASES: tuple[Case, ...] = FACT_CASES + ANSWER_CASES

__all__ = ["CASES", "CATEGORIES", "Case", "Category", "Verdict"]

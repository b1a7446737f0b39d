"""The cross-encoder's training-data helpers: round 10's question-and-answer twins (``qa_pairs.py``) and the twin
batching and pairwise loss of ``train_crossencoder.py``. Pure functions on hand-made passages; no model runs."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest
import torch

from grounding.claims import split_claims
from grounding.scorer import load_lexicon

sys.path[:0] = [str(Path(__file__).parents[3] / "scripts" / "grounding" / d) for d in ("datasets", ".")]

import qa_pairs  # noqa: E402  (a script folder, put on the path just above)
import train_crossencoder  # noqa: E402

OBEROI = "The Oberoi Group is a hotel company with its head office in Delhi."


def span(sentence: str, text: str) -> re.Match[str]:
    found = re.search(re.escape(text), sentence)
    assert found
    return found


@pytest.mark.parametrize(
    ("sentence", "text", "question"),
    [
        (OBEROI, "Delhi", "The Oberoi Group is a hotel company with its head office in what?"),
        (OBEROI, "The Oberoi Group", "What is a hotel company with its head office in Delhi?"),
        (
            "Winter's Tale is a 1983 novel by Mark Helprin.",
            "1983",
            "Winter's Tale is a what year novel by Mark Helprin?",
        ),
        ("The club won 23 titles in Europe.", "23", "The club won how many titles in Europe?"),
    ],
    ids=["name", "opener", "year", "count"],
)
def test_a_blanked_name_or_number_makes_the_question(sentence: str, text: str, question: str) -> None:
    assert qa_pairs.question_for(sentence, span(sentence, text)) == question


@pytest.mark.parametrize(
    ("sentence", "text", "answerable"),
    [
        ("Harry and Marv break in and spring the traps.", "Harry", False),
        ("At the beach, he finds thousands of troops.", "At", False),
        ("Kevin returns home and rigs the house with traps.", "Kevin", True),
        ("He met Harry and Marv at the house on Lincoln Boulevard.", "Harry", True),
    ],
)
def test_only_a_name_that_can_be_asked_about_is_blanked(sentence: str, text: str, answerable: bool) -> None:
    assert qa_pairs.answerable(span(sentence, text)) is answerable


PASSAGE = [
    OBEROI,
    "The Oberoi family is an Indian family famous for its hotels in Mumbai and Shimla since 1934.",
    "Its founder Mohan Singh Oberoi opened the first hotel in Shimla in 1934 with 50 rooms.",
]


def test_a_group_puts_the_right_answer_first_and_only_wrong_ones_after_it() -> None:
    for seed in range(40):
        for question, answers, labels in qa_pairs.qa_groups(PASSAGE, ["Lisbon", "Acme Corp"], random.Random(seed)):
            assert labels == [1] + [0] * (len(answers) - 1) and len(answers) >= 2
            right, *wrong = answers
            filled = {re.sub(r"^What\b|\b(what year|how many|what)\b", right, question, count=1)[:-1] + "."}
            assert filled & set(PASSAGE), (question, right)  # the right answer put back gives the sentence
            assert all(w != right and w not in right and right not in w for w in wrong)


def test_rows_carry_the_claim_v2_checks_and_one_twin_key_a_group() -> None:
    chosen = [("oberoi", PASSAGE), ("other", ["Lisbon is the capital of Portugal and lies on the Tagus river."])]
    rows = qa_pairs.qa_rows(chosen, random.Random(3), load_lexicon())

    assert rows
    for row in rows:
        question, answer = row["claim"].rsplit("? ", 1)
        claims, _ = split_claims(answer, query=question + "?")
        assert [c.text for c in claims] == [row["claim"]]  # "<question> <answer>", as split_claims makes it
        assert row["source"] == ("qa_support" if row["label"] else "qa_changed")
    keys = {row["twin"] for row in rows}
    for key in keys:
        assert sum(row["label"] for row in rows if row["twin"] == key) == 1
    short = [row for row in rows if not row["long"]]
    assert all(row["premise"] == " ".join(PASSAGE) for row in short if row["twin"].startswith("qa:oberoi"))


def test_the_answer_reading_moves_the_question_before_the_window_and_keeps_label_and_group_apart() -> None:
    row = {"premise": "The Oberoi Group has its head office in Delhi.", "claim": "Where is its head office? Delhi",
           "label": 1, "twin": "qa:7#0"}  # fmt: skip
    read = qa_pairs.answer_reading(row)
    assert read["premise"] == "Where is its head office? The Oberoi Group has its head office in Delhi."
    assert (read["claim"], read["label"], read["twin"]) == ("Delhi", 1, "qa:7#0:answer")


def test_sampling_keeps_whole_groups() -> None:
    rows = [{"twin": f"g{g}", "label": int(i == 0)} for g in range(30) for i in range(3)]

    sampled = qa_pairs.sample_groups(rows, 20, random.Random(1))

    assert 20 <= len(sampled) <= 22
    for key in {row["twin"] for row in sampled}:
        assert sum(1 for row in sampled if row["twin"] == key) == 3


class _Tokenizer:
    """Word counts as lengths: all ``batches`` needs of a tokenizer (lists of premises and claims, as batched)."""

    def __call__(self, premises: list[str], claims: list[str], **_: object) -> dict[str, list[list[int]]]:
        return {"input_ids": [[0] * (len(p.split()) + len(c.split())) for p, c in zip(premises, claims, strict=True)]}


def test_a_twin_group_lands_in_one_batch_and_plain_rows_batch_alone() -> None:
    rng = random.Random(5)
    rows = []
    for g in range(200):
        words = " ".join(["w"] * rng.randint(5, 60))
        size = rng.randint(2, 4)
        rows += [{"premise": words, "claim": "c " * rng.randint(1, 9), "twin": f"g{g}"} for _ in range(size)]
    rows += [{"premise": "p " * rng.randint(5, 60), "claim": "c"} for _ in range(300)]

    out = train_crossencoder.batches(rows, _Tokenizer(), tokens=600, seed=2)

    assert sorted(i for batch in out for i in batch) == list(range(len(rows)))
    where = {i: n for n, batch in enumerate(out) for i in batch}
    for g in range(200):
        assert len({where[i] for i, row in enumerate(rows) if row.get("twin") == f"g{g}"}) == 1


def test_the_pairwise_loss_falls_as_the_faithful_twin_rises_above_the_changed_one() -> None:
    rows: list[dict] = [{"twin": "a", "label": 1}, {"twin": "a", "label": 0}, {"label": 0}]

    def loss(faithful: float, changed: float) -> float:
        p = torch.tensor([[faithful, 0.0, 0.0], [changed, 0.0, 0.0], [0.5, 0.0, 0.0]])
        p[:, 1] = 1 - p[:, 0]
        return float(train_crossencoder.twin_loss(rows, torch.log(p.clamp(min=1e-6))))

    assert loss(0.9, 0.1) < loss(0.5, 0.5) < loss(0.1, 0.9)
    assert loss(0.5, 0.5) == pytest.approx(torch.nn.functional.softplus(torch.tensor(0.0)).item(), abs=1e-4)
    assert float(train_crossencoder.twin_loss([{"label": 1}], torch.zeros(1, 3))) == 0.0


class _Encoded(dict):
    def to(self, device: str) -> _Encoded:
        return self


class _Model:
    """Fixed logits per row: what ``loss_of`` reads of a model."""

    def __init__(self, grounding: list[list[float]], relevance: list[float]) -> None:
        self.logits = torch.tensor(grounding), torch.tensor(relevance)

    def __call__(self, **_: object) -> tuple[torch.Tensor, torch.Tensor]:
        return self.logits


def test_each_row_is_scored_by_its_own_loss_and_weighted_by_its_source() -> None:
    rows = [
        {"task": "relevance", "label": 1, "label3": None, "source": "trecqa"},
        {"task": "grounding", "label": 0, "label3": "contradiction", "source": "esnli"},
        {"task": "grounding", "label": 1, "label3": None, "source": "paws"},
        {"task": "grounding", "label": 0, "label3": None, "source": "paws"},
    ]
    rows = [{"premise": "p", "claim": "c", **row} for row in rows]
    grounding = [[0.0, 0.0, 0.0], [0.5, -1.0, 2.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    relevance = [0.3, 0.0, 0.0, 0.0]
    weights = {"trecqa": 1.0, "esnli": 0.5, "paws": 2.0}

    def tokenizer(*_: object, **__: object) -> _Encoded:
        return _Encoded()

    loss = train_crossencoder.loss_of(_Model(grounding, relevance), tokenizer, rows, weights, bf16=False)

    log_p = torch.log_softmax(torch.tensor(grounding), dim=-1)
    expected = [
        1.0 * float(torch.nn.functional.softplus(torch.tensor(-0.3))),  # relevance: log-loss of the relevance logit
        0.5 * -float(log_p[1, 2]),  # three labels: cross-entropy of "contradiction"
        2.0 * -float(log_p[2, 0]),  # supported only: -log P(entailment)
        2.0 * -float(torch.log1p(-log_p[3, 0].exp())),  # unsupported only: -log(1 - P(entailment))
    ]
    assert float(loss) == pytest.approx(sum(expected) / 4, rel=1e-5)

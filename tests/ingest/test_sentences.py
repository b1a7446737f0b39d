"""The rule-based sentence splitter: every rule, and no character lost or reordered."""

# ruff: noqa: RUF001 -- fullwidth CJK punctuation and curly quotes are the point here.
from __future__ import annotations

import random
import re

import pytest

from ingest.sentences import is_list_item, sentence_spans, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        (
            "Mr. Smith met Mrs. Jones and Dr. Who. Then Prof. Xu left St. Ives.",
            ["Mr. Smith met Mrs. Jones and Dr. Who.", "Then Prof. Xu left St. Ives."],
        ),
        (
            "Cats vs. Dogs etc. Also Fig. 3 shows it. See No. 5 too.",
            ["Cats vs. Dogs etc. Also Fig. 3 shows it.", "See No. 5 too."],
        ),
        ("Use a tool, e.g. A hammer, i.e. Heavy. Done.", ["Use a tool, e.g. A hammer, i.e. Heavy.", "Done."]),
        (
            "Acme Inc. Makes tools. Widgets Ltd. Sells them. Sammy Davis Jr. Sang.",
            ["Acme Inc. Makes tools.", "Widgets Ltd. Sells them.", "Sammy Davis Jr. Sang."],
        ),
        (
            "The U.S. Army left at 5 p.m. Monday. It rained.",
            ["The U.S. Army left at 5 p.m. Monday.", "It rained."],
        ),
        (
            "J. R. R. Tolkien wrote it. Then I. Stopped.",
            ["J. R. R. Tolkien wrote it.", "Then I.", "Stopped."],
        ),
        ("Pi is 3.14 exactly. It is 2.5. Next.", ["Pi is 3.14 exactly.", "It is 2.5.", "Next."]),
        ("Visit example.com today. Ok.", ["Visit example.com today.", "Ok."]),
        ("No. We refuse. No. 7 agrees.", ["No.", "We refuse.", "No. 7 agrees."]),
        ("It ended in 1805. The war began.", ["It ended in 1805.", "The war began."]),
    ],
)
def test_latin_rules(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"Go home." She went.', ['"Go home."', "She went."]),
        ("He said “stop.” Then ran.", ["He said “stop.”", "Then ran."]),
        ('Fine. "Why?" asked Ann. (It rained.) Yes.', ["Fine.", '"Why?" asked Ann.', "(It rained.)", "Yes."]),
        (
            "He paused... and then went on. Wait… What? Hm... Yes.",
            ["He paused... and then went on.", "Wait…", "What?", "Hm...", "Yes."],
        ),
        ("Really?! Yes!!! OK.", ["Really?!", "Yes!!!", "OK."]),
        ("Ends lowercase. but this continues.", ["Ends lowercase. but this continues."]),
        ("Number next. 42 is the answer.", ["Number next.", "42 is the answer."]),
    ],
)
def test_quotes_ellipses_and_followers(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A heading without stop\n\nNext paragraph", ["A heading without stop", "Next paragraph"]),
        ("Soft wrapped\nline. Next one", ["Soft wrapped\nline.", "Next one"]),
        (
            "Steps:\n- open the lid\n- pour. Stir\n* stir well",
            ["Steps:", "- open the lid", "- pour.", "Stir", "* stir well"],
        ),
        ("Do this:\n1. First thing\n2) Second thing", ["Do this:", "1. First thing", "2) Second thing"]),
        ("Line\r\n\r\nAfter CRLF", ["Line", "After CRLF"]),
    ],
)
def test_blank_lines_and_list_items_always_end_a_sentence(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我来了。你好！好吗？", ["我来了。", "你好！", "好吗？"]),
        ("他说：「好。」然后走了。", ["他说：「好。」", "然后走了。"]),
        ("日本語です。English here. 再见。", ["日本語です。", "English here.", "再见。"]),
        ("Привет. Как дела? Хорошо.", ["Привет.", "Как дела?", "Хорошо."]),
    ],
)
def test_cjk_and_other_scripts(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_list_item_markers() -> None:
    assert [is_list_item(s) for s in ("- milk", "* eggs", "• tea", "12. jam", "3) bread")] == [True] * 5
    assert [is_list_item(s) for s in ("-5 degrees", "2.5 kg", "1999. A year", "Items")] == [False] * 4


def test_empty_and_white_space_only() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n\t ") == []


def test_spans_point_at_the_trimmed_sentences() -> None:
    text = "  First one.  Second one.\n\n Third"
    assert sentence_spans(text) == [(2, 12), (14, 25), (28, 33)]


def _non_space(text: str) -> str:
    return re.sub(r"\s", "", text)


def test_no_character_is_lost_or_reordered_on_random_text() -> None:
    alphabet = [*list("abcXYZ019 .!?…。！？\"'“”()[]-*\n\n   "), "Mr.", "e.g.", "U.S.", "3.14", "...", "\n- "]
    rng = random.Random(20240521)
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        sentences = split_sentences(text)
        assert _non_space("".join(sentences)) == _non_space(text)
        assert all(s and s == s.strip() for s in sentences)
        assert [text[a:b] for a, b in sentence_spans(text)] == sentences
        assert all(b1 <= a2 for (_, b1), (a2, _) in zip(sentence_spans(text), sentence_spans(text)[1:], strict=False))

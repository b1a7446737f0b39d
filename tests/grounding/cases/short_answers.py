"""Short answers read with their question (HaluEval's shape; round 10 of the cross-encoder trained on it): data
only. Each has a source, a question, the answer the source holds (``right``), another name or number (``other``:
in the source, except "1944" and "a sugar company") and an answer the source does not hold (``outside``).
Hand-written for ragkb, in no training set. ``tests/grounding/test_grounding_crossencoder.py`` checks the shipped
v2 on them; ``scripts/grounding/experiments/rounds/probe_weights.py`` prints how any weights file reads them."""

from __future__ import annotations

from typing import NamedTuple


class ShortAnswer(NamedTuple):
    source: str
    question: str
    right: str
    other: str
    outside: str


SHORT_ANSWERS: tuple[ShortAnswer, ...] = tuple(ShortAnswer(*case) for case in (
    ("The Oberoi Group is a hotel company with its head office in Delhi. Its largest hotel is in Mumbai.",
     "Where is the Oberoi Group's head office?", "Delhi", "Mumbai", "Chennai"),
    ("First for Women was started in 1989. Arthur's Magazine was started in 1844.",
     "Which magazine was started first, Arthur's Magazine or First for Women?", "Arthur's Magazine",
     "First for Women", "Vogue"),
    ("Marie Curie was born in Warsaw in 1867. She later moved to Paris, where she studied physics.",
     "In which city was Marie Curie born?", "Warsaw", "Paris", "Krakow"),
    ("The bridge was opened in 1932 by the premier, Jack Lang. It carries eight lanes of traffic.",
     "When was the bridge opened?", "1932", "1944", "1944"),
    ("Lake Baikal is the deepest lake in the world. Lake Superior is the largest of the Great Lakes by area.",
     "Which lake is the deepest in the world?", "Lake Baikal", "Lake Superior", "Lake Tanganyika"),
    ("The film was directed by Sofia Coppola and produced by her father, Francis Ford Coppola.",
     "Who directed the film?", "Sofia Coppola", "Francis Ford Coppola", "Steven Spielberg"),
    ("The company employs 4,200 people in 12 countries.",
     "How many people does the company employ?", "4,200 people", "12 people", "5,000 people"),
    ("Tokyo is the capital of Japan. London is the capital of the UK.",
     "What is the capital of Japan?", "Tokyo", "London", "Kyoto"),
    ("The museum was founded by Henry Tate, a sugar merchant, in 1897.",
     "Who founded the museum?", "Henry Tate", "a sugar company", "John Ruskin"),
    ("Amundsen reached the South Pole in December 1911, five weeks before Scott.",
     "Who reached the South Pole first?", "Amundsen", "Scott", "Shackleton"),
))  # fmt: skip

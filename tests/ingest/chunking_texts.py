"""The texts and helpers the chunking tests share: a prose fixture of known sentences, an over-long sentence,
one-token names, and readers of chunks (their sentences, their overlaps)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from ingest.chunking import ChunkingConfig
from ingest.sentences import split_sentences
from ingest.tokens import count_tokens
from ingest.types import Block, Chunk, ParsedDocument

PARAGRAPHS: list[list[str]] = [
    [
        "The harbour town of Kestrel Bay wakes before the sun does.",
        "Fishing boats slip out past the breakwater while the bakeries light their ovens.",
        "By six o'clock the smell of bread has reached the lighthouse on the northern cliff.",
        "Dr. Ames, who has kept the light for thirty years, says that smell tells him the day has begun.",
        "He writes the weather in a ledger, e.g. wind, swell and cloud, as his father did before him.",
    ],
    [
        "Trade in the bay grew by 3.5 percent last year, the council reported.",
        "Most of that growth came from tourism rather than fish.",
        "Visitors arrive on the morning ferry, walk the harbour wall and eat oysters at noon.",
        "Some stay for the night market, where stalls sell rope, lanterns, knitted hats and smoked mackerel.",
        "Few of them notice the old customs house, now a museum with a leaking roof.",
        "The museum's curator, Ms. Okafor, has asked the council for repairs every winter since 2019.",
    ],
    [
        "In March a storm took three boats and most of the harbour lights.",
        "Nobody was hurt, which the town still talks about with some surprise.",
        "The repairs cost more than the insurance paid, so the council raised a levy on moorings.",
        "Fishermen complained loudly at the meeting in the church hall.",
        "After two hours the levy passed by a single vote.",
    ],
    [
        "Summer brings regattas, brass bands and arguments about parking.",
        "The regatta committee meets in the back room of the Anchor, a pub older than the church.",
        "Its minutes, kept in green ink, record every dispute since 1887 in careful detail.",
        "Nobody has ever been asked to leave the committee, though several members have left in a temper.",
    ],
]
LONG_SENTENCE = (
    "The inventory for the winter store listed "
    + ", ".join(
        f"{n} heavy crates of {item}"
        for n, item in zip(
            range(3, 60, 2),
            [
                "apples",
                "rope",
                "lamp oil",
                "salt",
                "nails",
                "flour",
                "tar",
                "canvas",
                "candles",
                "tea",
                "coal",
                "wool",
                "soap",
                "barley",
                "string",
                "paint",
                "lead shot",
                "hooks",
                "netting",
                "cork",
                "bread",
                "cheese",
                "pitch",
                "oats",
                "hemp",
                "ink",
                "paper",
                "glass",
                "iron",
            ],
            strict=True,
        )
    )
    + " and nothing else at all"
    + "."
)
ALL_SENTENCES = [s for paragraph in PARAGRAPHS for s in paragraph]
# Each is one token after a space, so sentences built on them have equal token counts.
NAMES = [
    "Alpha",
    "Bravo",
    "Charlie",
    "Delta",
    "Echo",
    "Golf",
    "Hotel",
    "India",
    "Juliet",
    "Lima",
    "Mike",
    "November",
    "Oscar",
    "Papa",
    "Quebec",
]


def text_doc(paragraphs: Sequence[Sequence[str]], path: str = "bay.txt") -> ParsedDocument:
    return ParsedDocument(path, tuple(Block("text", " ".join(p)) for p in paragraphs))


def fixed(max_tokens: int, overlap: int = 0) -> ChunkingConfig:
    return ChunkingConfig(strategy="fixed", max_tokens=max_tokens, overlap_percentage=overlap)


def sentences_of(chunk: Chunk) -> list[str]:
    return [s for part in chunk.text.split("\n\n") for s in split_sentences(part)]


def overlap_length(previous: list[str], current: list[str]) -> int:
    """How many leading sentences of ``current`` repeat the end of ``previous``."""
    return max(
        (m for m in range(len(current)) if m <= len(previous) and previous[len(previous) - m :] == current[:m]),
        default=0,
    )


def expected_overlap(previous: list[str], budget: int) -> int:
    total = count = 0
    for sentence in reversed(previous):
        total += count_tokens(sentence)
        if total > budget:
            break
        count += 1
    return count


def without_overlaps(chunks: list[Chunk]) -> list[str]:
    result = sentences_of(chunks[0])
    for previous, current in itertools.pairwise(chunks):
        before, after = sentences_of(previous), sentences_of(current)
        result.extend(after[overlap_length(before, after) :])
    return result

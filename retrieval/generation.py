"""Answer generation for retrieve-and-generate: an OpenAI-compatible chat model when one is
configured, otherwise the built-in extractive answerer that works offline (``retrieval/extractive.py``).

Both return an :class:`Answer` whose citations map spans of the answer text to the retrieved hits
that support them. Spans follow Bedrock's ``Span``: ``start`` is the first character, ``end`` the
last character (inclusive) of the cited part of the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from ingest.sentences import split_sentences
from retrieval.errors import RetrievalError
from retrieval.types import Hit

NO_ANSWER = "Sorry, I am unable to assist you with this request."
_MARKER = re.compile(r"\s*\[(\d+)\]")


class GenerationFailed(RetrievalError):
    """The configured chat model could not be reached or answered with something unusable."""


@dataclass(frozen=True)
class Citation:
    start: int
    end: int  # inclusive, as Bedrock's Span
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class Answer:
    text: str
    citations: tuple[Citation, ...]


class Generator(Protocol):
    def generate(self, query: str, hits: Sequence[Hit]) -> Answer: ...


class ChatCompletionGenerator:
    """Any OpenAI-compatible ``/chat/completions`` endpoint (OpenAI, vLLM, llama.cpp, Ollama, ...).

    The model sees numbered sources and is asked to cite them as ``[n]`` after each sentence;
    markers are removed from the answer and turned into citations.
    """

    def __init__(
        self, *, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 60.0,
        client: httpx.Client | None = None,
    ) -> None:  # fmt: skip
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = client or httpx.Client(timeout=timeout_s)

    def generate(self, query: str, hits: Sequence[Hit]) -> Answer:
        if not hits:
            return Answer(NO_ANSWER, ())
        sources = "\n\n".join(f"[{i}] {hit.text}" for i, hit in enumerate(hits, start=1))
        messages = [
            {"role": "system", "content": (
                "Answer the question using only the numbered sources. After each sentence, cite the sources "
                "it uses as [1] or [1][3]. If the sources do not contain the answer, reply exactly: "
                f"{NO_ANSWER}"
            )},
            {"role": "user", "content": f"Sources:\n{sources}\n\nQuestion: {query}"},
        ]  # fmt: skip
        text = self._complete(messages)
        pieces: list[tuple[str, tuple[Hit, ...]]] = []
        for sentence in split_sentences(text):
            numbers = [int(n) for n in _MARKER.findall(sentence)]
            cited = tuple(hits[n - 1] for n in dict.fromkeys(numbers) if 1 <= n <= len(hits))
            pieces.append((_MARKER.sub("", sentence).strip(), cited))
        return join_pieces([p for p in pieces if p[0]])

    def _complete(self, messages: list[dict[str, Any]]) -> str:
        try:
            response = self.client.post(
                self.url, headers=self.headers, json={"model": self.model, "messages": messages, "temperature": 0}
            )
            response.raise_for_status()
            return str(response.json()["choices"][0]["message"]["content"])
        except httpx.HTTPError as exc:
            raise GenerationFailed(f"the chat model at {self.url} failed: {exc}") from exc
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise GenerationFailed(f"the chat model at {self.url} returned an unexpected response") from exc


def join_pieces(pieces: Sequence[tuple[str, tuple[Hit, ...]]]) -> Answer:
    """One answer from ``(text, cited hits)`` pieces, each piece one citation. Sentences are joined by a
    space; a piece of several lines (a table) stands on lines of its own."""
    text, citations, previous = "", [], ""
    for piece, cited in pieces:
        separator = ("\n" if "\n" in piece or "\n" in previous else " ") if text else ""
        previous = piece
        start = len(text) + len(separator)
        text = f"{text}{separator}{piece}"
        citations.append(Citation(start, len(text) - 1, cited))
    return Answer(text or NO_ANSWER, tuple(citations))

"""Answer generation for retrieve-and-generate: an OpenAI-compatible chat model when one is
configured, otherwise a built-in extractive answerer that works offline.

Both return an :class:`Answer` whose citations map spans of the answer text to the retrieved hits
that support them. Spans follow Bedrock's ``Span``: ``start`` is the first character, ``end`` the
last character (inclusive) of the cited part of the answer.

Both also stream (:meth:`Generator.stream`): the answer as :class:`Piece`s, one sentence and the hits it
cites at a time, in the order they join into the answer (``join_pieces``; ``generate`` returns the same
answer the joined stream does). The chat model streams with ``"stream": true`` and a sentence is passed on
as soon as the next one starts; the extractive answerer has its whole answer at once and hands it out
sentence by sentence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from ingest.sentences import sentence_spans, split_sentences
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


@dataclass(frozen=True)
class Piece:
    """One sentence of a streamed answer and the hits it cites (none: an uncited sentence)."""

    text: str
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class Completion:
    """One chat completion: the reply, why it ended (OpenAI's ``finish_reason``) and the tokens counted."""

    text: str
    finish_reason: str
    input_tokens: int
    output_tokens: int


class Generator(Protocol):
    def generate(self, query: str, hits: Sequence[Hit]) -> Answer: ...

    def stream(self, query: str, hits: Sequence[Hit]) -> Iterator[Piece]:
        """The answer sentence by sentence; ``join_pieces(list(stream(...)))`` is the whole answer."""
        ...


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
        text = self._complete(_messages(query, hits))
        return join_pieces(_cited(sentence, hits) for sentence in split_sentences(text))

    def stream(self, query: str, hits: Sequence[Hit]) -> Iterator[Piece]:
        """Sentences as the model writes them: each is cited and passed on once the next one has begun."""
        if not hits:
            return
        text = ""
        for delta in self._stream(_messages(query, hits)):
            text += delta
            spans = sentence_spans(text)
            if len(spans) > 1:
                for start, end in spans[:-1]:
                    yield _cited(text[start:end], hits)
                text = text[spans[-1][0] :]
        for sentence in split_sentences(text):
            yield _cited(sentence, hits)

    def complete(self, messages: list[dict[str, Any]], **options: Any) -> Completion:
        """The model's reply to OpenAI-style ``messages``; ``options`` (``max_tokens``, ``temperature``,
        ``top_p``, ``stop``) go into the request as they are. The pass-through behind Bedrock's Converse.

        >>> generator.complete([{"role": "user", "content": "Hi"}], max_tokens=20).text
        'Hello!'
        """
        body = self._body(messages) | options
        try:
            response = self.client.post(self.url, headers=self.headers, json=body)
            response.raise_for_status()
            reply = response.json()
            choice = reply["choices"][0]
            usage = reply.get("usage") or {}
            return Completion(
                str(choice["message"]["content"] or ""), str(choice.get("finish_reason") or "stop"),
                int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)),
            )  # fmt: skip
        except httpx.HTTPError as exc:
            raise GenerationFailed(f"the chat model at {self.url} failed: {exc}") from exc
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise GenerationFailed(f"the chat model at {self.url} returned an unexpected response") from exc

    def _complete(self, messages: list[dict[str, Any]]) -> str:
        return self.complete(messages).text

    def stream_complete(self, messages: list[dict[str, Any]], **options: Any) -> Iterator[Completion]:
        """:meth:`complete`, streamed: one :class:`Completion` per text delta as the model writes it
        (``finish_reason`` empty), then a last one with no text, the finish reason and the token counts the
        server reported (0 when it reports none)."""
        body = self._body(messages) | options | {"stream": True}
        finish, used_in, used_out = "stop", 0, 0
        try:
            with self.client.stream("POST", self.url, headers=self.headers, json=body) as response:
                response.raise_for_status()
                for line in response.iter_lines():
                    data = line.removeprefix("data:").strip()
                    if not line.startswith("data:") or not data:
                        continue
                    if data == "[DONE]":
                        break
                    chunk = json.loads(data)
                    usage = chunk.get("usage") or {}
                    used_in, used_out = usage.get("prompt_tokens", used_in), usage.get("completion_tokens", used_out)
                    if not chunk.get("choices"):
                        continue
                    choice = chunk["choices"][0]
                    finish = choice.get("finish_reason") or finish
                    delta = (choice.get("delta") or {}).get("content")
                    if delta:
                        yield Completion(str(delta), "", 0, 0)
        except httpx.HTTPError as exc:
            raise GenerationFailed(f"the chat model at {self.url} failed: {exc}") from exc
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise GenerationFailed(f"the chat model at {self.url} streamed an unexpected response") from exc
        yield Completion("", str(finish), int(used_in), int(used_out))

    def _stream(self, messages: list[dict[str, Any]]) -> Iterator[str]:
        """The text deltas of a streamed completion."""
        for part in self.stream_complete(messages):
            if part.text:
                yield part.text

    def _body(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return {"model": self.model, "messages": messages, "temperature": 0}


def _messages(query: str, hits: Sequence[Hit]) -> list[dict[str, Any]]:
    sources = "\n\n".join(f"[{i}] {hit.text}" for i, hit in enumerate(hits, start=1))
    messages = [
            {"role": "system", "content": (
                "Answer the question using only the numbered sources. After each sentence, cite the sources "
                "it uses as [1] or [1][3]. If the sources do not contain the answer, reply exactly: "
                f"{NO_ANSWER}"
            )},
            {"role": "user", "content": f"Sources:\n{sources}\n\nQuestion: {query}"},
        ]  # fmt: skip
    return messages


def _cited(sentence: str, hits: Sequence[Hit]) -> Piece:
    """A sentence of the model's answer without its ``[n]`` markers, citing the hits they number."""
    numbers = [int(n) for n in _MARKER.findall(sentence)]
    cited = tuple(hits[n - 1] for n in dict.fromkeys(numbers) if 1 <= n <= len(hits))
    return Piece(_MARKER.sub("", sentence).strip(), cited)


def join_pieces(pieces: Iterable[Piece]) -> Answer:
    """The answer a stream of pieces makes: sentences joined by one space, a piece of several lines (a table
    row under its header) on lines of its own; each piece that cites hits is one citation.

    Empty pieces are dropped; no piece at all is :data:`NO_ANSWER` without citations.
    """
    text, citations, previous = "", [], ""
    for piece in pieces:
        if not piece.text:
            continue
        separator = ("\n" if "\n" in piece.text or "\n" in previous else " ") if text else ""
        previous = piece.text
        start = len(text) + len(separator)
        text = f"{text}{separator}{piece.text}"
        if piece.hits:
            citations.append(Citation(start, len(text) - 1, piece.hits))
    return Answer(text or NO_ANSWER, tuple(citations))

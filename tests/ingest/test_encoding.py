"""decode_text: BOMs, BOM-less UTF-16/32, UTF-8, declared and guessed legacy encodings, refusals."""

from __future__ import annotations

import codecs

import pytest

from ingest.encoding import decode_text
from ingest.errors import EmptyDocument, ParseFailed

SAMPLE = "Grüße, café ☕ — naïve 𝄞\nzweite Zeile"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_bom_decides_the_codec_and_is_stripped(bom: bytes, codec: str) -> None:
    assert decode_text(bom + SAMPLE.encode(codec)) == SAMPLE


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_bom_less_utf16_and_utf32_are_recognised_by_their_nul_bytes(codec: str) -> None:
    text = "This is a plain English sentence.\nAnd a second line with café."
    assert decode_text(text.encode(codec)) == text


def test_utf8_is_never_read_as_cp1252() -> None:
    decoded = decode_text("café crème brûlée".encode())
    assert decoded == "café crème brûlée"
    assert "Ã" not in decoded


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Le café coûte 3 € et la crème brûlée 5 €.", "cp1252"),
        ("Grüße aus München, schön war's.", "latin-1"),
        ("## können\n\nkönnen\n\näöüß\n", "latin-1"),
        ("Привет, мир! Как дела? Это проверка кодировки.", "cp1251"),
        ("こんにちは世界、これはテストです。", "shift_jis"),
    ],
)
def test_legacy_encodings_decode_to_the_right_characters(text: str, codec: str) -> None:
    assert decode_text(text.encode(codec)) == text


def test_declared_encoding_is_used_when_the_bytes_are_not_utf8() -> None:
    data = "Ελληνικά κείμενο".encode("cp1253")
    assert decode_text(data, declared="windows-1253") == "Ελληνικά κείμενο"


def test_valid_utf8_beats_a_wrong_single_byte_declaration() -> None:
    assert decode_text("naïve".encode(), declared="iso-8859-1") == "naïve"


@pytest.mark.parametrize("declared", ["no-such-charset", "utf-16", ""])
def test_unusable_declarations_are_ignored(declared: str) -> None:
    assert decode_text("café".encode("cp1252"), declared=declared) == "café"


def test_latin1_label_means_windows_1252_as_in_browsers() -> None:
    assert decode_text(b"\x80 5", declared="ISO-8859-1") == "€ 5"


def test_newlines_are_normalised() -> None:
    assert decode_text(b"one\r\ntwo\rthree\n") == "one\ntwo\nthree\n"


@pytest.mark.parametrize("data", [b"", b" \n\t\r\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE + " \n".encode("utf-16-le")])
def test_empty_or_whitespace_is_an_empty_file(data: bytes) -> None:
    with pytest.raises(EmptyDocument, match=r"^empty file$"):
        decode_text(data)


def test_binary_data_is_refused() -> None:
    with pytest.raises(ParseFailed, match=r"^not a text file: binary data$"):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")

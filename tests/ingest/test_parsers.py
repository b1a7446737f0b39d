"""Parsers on small generated fixtures (tests/fixtures/make_fixtures.py) and files built in tmp_path."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from ingest.errors import (
    EmptyDocument,
    EncryptedDocument,
    FileTooLarge,
    NoExtractableText,
    ParseFailed,
    UnsafeArchive,
    UnsupportedFormat,
)
from ingest.parsers import PARSERS, SUPPORTED_SUFFIXES, ParseLimits, parse_file
from ingest.types import Block, ParsedDocument
from tests.conftest import FIXTURES


def texts(document: ParsedDocument, kind: str = "text") -> list[str]:
    return [block.text for block in document.blocks if block.kind == kind]


def tables(document: ParsedDocument) -> list[Block]:
    return [block for block in document.blocks if block.kind == "table"]


# --- registry and boundary -------------------------------------------------------------------


def test_registry_covers_every_promised_suffix() -> None:
    promised = {
        ".pdf",
        ".docx",
        ".doc",
        ".xlsx",
        ".xlsm",
        ".xls",
        ".csv",
        ".tsv",
        ".html",
        ".htm",
        ".md",
        ".markdown",
        ".txt",
    }
    assert set(PARSERS) == promised
    assert promised == SUPPORTED_SUFFIXES


@pytest.mark.parametrize("name", ["deck.pptx", "notes.odt", "letter.rtf", "scan.png", "mail.eml", "data.json"])
def test_unsupported_types_are_named(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"something")
    with pytest.raises(UnsupportedFormat) as caught:
        parse_file(path)
    assert str(caught.value) == f"unsupported type {path.suffix}"


def test_a_file_without_suffix_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "README"
    path.write_text("hello")
    with pytest.raises(UnsupportedFormat, match=r"^unsupported type \(no extension\)$"):
        parse_file(path)


def test_suffix_match_ignores_case(tmp_path: Path) -> None:
    path = tmp_path / "NOTES.TXT"
    path.write_text("Shouting suffix.")
    assert texts(parse_file(path)) == ["Shouting suffix."]


def test_size_limit_is_enforced_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 not really a pdf " + b"x" * 75)  # 101 bytes the PDF parser would reject
    with pytest.raises(FileTooLarge, match=r"^file too large: 101 bytes \(limit 100\)$"):
        parse_file(path, limits=ParseLimits(max_file_bytes=100))
    with pytest.raises(ParseFailed):  # at the limit, the parser runs and meets the corrupt file
        parse_file(path, limits=ParseLimits(max_file_bytes=101))


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_zero_byte_files_are_empty_whatever_their_type(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"nothing{suffix}"
    path.touch()
    with pytest.raises(EmptyDocument, match=r"^empty file$"):
        parse_file(path)


def test_missing_file_is_a_parse_failure(tmp_path: Path) -> None:
    with pytest.raises(ParseFailed, match=r"^cannot read file: No such file or directory$"):
        parse_file(tmp_path / "gone.txt")


def test_unexpected_library_errors_become_one_line_parse_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(path: Path, limits: ParseLimits) -> ParsedDocument:
        raise KeyError("trailer\n  /Root")

    monkeypatch.setitem(PARSERS, ".txt", explode)
    path = tmp_path / "any.txt"
    path.write_text("text")
    with pytest.raises(ParseFailed) as caught:
        parse_file(path)
    assert str(caught.value) == "cannot parse txt: 'trailer\\n /Root'"
    assert isinstance(caught.value.__cause__, KeyError)


def test_a_document_without_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scripts-only.html"
    path.write_text("<html><body><script>var x = 1;</script><img src='a.png'></body></html>")
    with pytest.raises(NoExtractableText, match=r"^no extractable text$"):
        parse_file(path)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_zip_ratio"):
        ParseLimits(max_zip_ratio=0)


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_paragraphs_pages_and_properties() -> None:
    document = parse_file(FIXTURES / "sample.pdf")
    assert [(block.location.page, block.text) for block in document.blocks] == [
        (1, "Annual report"),
        (
            1,
            "The company had a remarkable year and increased its revenue in every region of the country, "
            "as planned. Costs stayed flat.",
        ),
        (1, "Staff numbers grew in the second half of the year across the group."),
        (2, "Seite zwei: café au lait"),
    ]
    assert document.properties == {"pages": 2, "title": "Fixture report"}
    assert document.path == str(FIXTURES / "sample.pdf")


def test_encrypted_pdf_needs_its_password() -> None:
    with pytest.raises(EncryptedDocument) as caught:
        parse_file(FIXTURES / "encrypted.pdf")
    assert str(caught.value) == "encrypted: password required"
    unlocked = parse_file(FIXTURES / "encrypted.pdf", limits=ParseLimits(pdf_passwords=("wrong", "secret")))
    assert "Seite zwei: café au lait" in texts(unlocked)


def test_pdf_without_text_layer_is_reported_as_scanned() -> None:
    with pytest.raises(NoExtractableText) as caught:
        parse_file(FIXTURES / "blank.pdf")
    assert str(caught.value) == "no extractable text (scanned?)"


def test_corrupt_pdf_gives_a_one_line_reason(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF garbage\n")
    with pytest.raises(ParseFailed) as caught:
        parse_file(path)
    reason = str(caught.value)
    assert reason.startswith("corrupt pdf: ")
    assert "\n" not in reason and len(reason) <= 200


# --- Word ------------------------------------------------------------------------------------


def test_docx_blocks_in_document_order_with_heading_paths() -> None:
    document = parse_file(FIXTURES / "sample.docx")
    summary = [(block.kind, block.level, block.location.headings, block.text[:22]) for block in document.blocks]
    assert summary == [
        ("heading", 1, (), "Quarterly report"),
        ("heading", 1, (), "Überblick"),
        ("text", 0, ("Überblick",), "Der Umsatz stieg um 12"),
        ("heading", 2, ("Überblick",), "Regions"),
        ("text", 0, ("Überblick", "Regions"), "- North grew fastest\n-"),
        ("table", 0, ("Überblick", "Regions"), "| Region | Revenue | N"),
        ("text", 0, ("Überblick", "Regions"), "Text after the table."),
        ("heading", 1, (), "Outlook"),
        ("text", 0, ("Outlook",), "Next year looks bright"),
    ]
    assert texts(document)[1] == "- North grew fastest\n- South held steady"
    assert "café ☕" in texts(document)[0]
    assert document.properties == {"title": "Quarterly report", "author": "Zoë Fixture"}


def test_docx_table_rows_repeat_vertically_merged_cells() -> None:
    (block,) = tables(parse_file(FIXTURES / "sample.docx"))
    assert block.table is not None
    assert block.table.header == ("Region", "Revenue", "Note")
    assert block.table.rows == (("North", "120", "audited"), ("South", "80", "audited"))
    assert block.table.row_numbers == (None, None)
    assert block.text == block.table.markdown()


def test_docx_decompression_bomb_is_refused_before_opening(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("word/document.xml", "w", force_zip64=True) as member,
    ):
        zeros = bytes(1 << 20)
        for _ in range(1024):  # 1 GiB of zeros, streamed: a few MB on disk
            member.write(zeros)
    assert path.stat().st_size < 10 * 1024 * 1024
    with pytest.raises(UnsafeArchive) as caught:
        parse_file(path)
    assert str(caught.value) == "decompression bomb: expands to 1,073,741,824 bytes (limit 536,870,912)"


def test_zip_ratio_and_member_count_limits(tmp_path: Path) -> None:
    sample = FIXTURES / "sample.docx"
    with pytest.raises(UnsafeArchive, match=r"^decompression bomb: compression ratio \d+ \(limit 2\)$"):
        parse_file(sample, limits=ParseLimits(max_zip_ratio=2.0))
    with pytest.raises(UnsafeArchive, match=r"^decompression bomb: \d+ members \(limit 3\)$"):
        parse_file(sample, limits=ParseLimits(max_zip_members=3))


def test_encrypted_office_file_is_recognised_by_its_ole_container(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    encrypted = tmp_path / "locked.xlsx"
    encrypted.write_bytes(ole + "EncryptedPackage".encode("utf-16-le") + bytes(64))
    with pytest.raises(EncryptedDocument, match=r"^encrypted: password required$"):
        parse_file(encrypted)
    legacy = tmp_path / "renamed.docx"
    legacy.write_bytes(ole + "WordDocument".encode("utf-16-le") + bytes(64))
    with pytest.raises(ParseFailed, match=r"^not a \.docx file: legacy binary Office format"):
        parse_file(legacy)


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_office_file_that_is_not_a_zip_fails_cleanly(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"plain{suffix}"
    path.write_text("just text pretending")
    with pytest.raises(ParseFailed, match=rf"^corrupt {suffix[1:]}: not a zip archive"):
        parse_file(path)


def test_doc_without_catdoc_is_unsupported_with_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no catdoc on PATH
    path = tmp_path / "legacy.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    with pytest.raises(UnsupportedFormat) as caught:
        parse_file(path)
    assert str(caught.value) == (
        "unsupported type .doc: install catdoc (apt-get install catdoc) to parse legacy Word files"
    )


@pytest.mark.skipif(shutil.which("catdoc") is None, reason="catdoc not installed")
def test_doc_that_is_not_ole_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "fake.doc"
    path.write_text("plain text with a .doc name", encoding="utf-8")
    with pytest.raises(ParseFailed, match="not a Word 97-2003"):
        parse_file(path)

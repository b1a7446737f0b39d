"""The parsers against the 161 real-world files of ../shared/eval/docs-corpus (skipped when absent).

Every file either parses to text or is refused with an ``IngestError`` whose reason is one line;
the files expected to be refused, and why, are listed in ``REFUSED``. Each edge case the corpus
README names has its own test. Timing is measured by bench/ingestion/bench_parse.py, not asserted here.
"""

from __future__ import annotations

import csv
import difflib
import functools
import shutil
from pathlib import Path

import pytest

from ingest.errors import (
    EmptyDocument,
    EncryptedDocument,
    IngestError,
    NoExtractableText,
    UnsupportedFormat,
)
from ingest.parsers import ParseLimits, parse_file
from ingest.types import ParsedDocument
from tests.conftest import DOCS_CORPUS

pytestmark = pytest.mark.corpus

# Passwords from the corpus README, in the order a user might list them.
README_PASSWORDS = ("asdfzxcv", "foo", "openpassword", "password", "test")
ENCRYPTED = "encrypted: password required"
SCANNED = "no extractable text (scanned?)"
HAS_CATDOC = shutil.which("catdoc") is not None
CATDOC_MISSING = "unsupported type .doc: install catdoc (apt-get install catdoc) to parse legacy Word files"
SLOW_FILES = {"unstructured/pdf/DA-619p.pdf"}

# What default limits (no PDF passwords) refuse, with the exact reason.
REFUSED: dict[str, tuple[type[IngestError], str]] = {
    "pypdf/crazyones-encrypted-256.pdf": (EncryptedDocument, ENCRYPTED),
    "pypdf/encrypted-file.pdf": (EncryptedDocument, ENCRYPTED),
    "pypdf/encryption/r2-user-password.pdf": (EncryptedDocument, ENCRYPTED),
    "pypdf/encryption/r4-aes-user-password.pdf": (EncryptedDocument, ENCRYPTED),
    "pypdf/encryption/r6-both-passwords.pdf": (EncryptedDocument, ENCRYPTED),
    "pypdf/libreoffice-writer-password.pdf": (EncryptedDocument, ENCRYPTED),
    "unstructured/pdf/password.pdf": (EncryptedDocument, ENCRYPTED),
    "unstructured/password_protected.xlsx": (EncryptedDocument, ENCRYPTED),
    "pypdf/encrypted_doc_no_id.pdf": (NoExtractableText, SCANNED),
    "pypdf/git.pdf": (NoExtractableText, SCANNED),
    "pypdf/imagemagick-CCITTFaxDecode.pdf": (NoExtractableText, SCANNED),
    "unstructured/pdf/loremipsum-flat.pdf": (NoExtractableText, SCANNED),
    "unstructured/pdf/single_table.pdf": (NoExtractableText, SCANNED),
    "unstructured/pdf/table-multi-row-column-cells.pdf": (NoExtractableText, SCANNED),
    "unstructured/empty.xlsx": (NoExtractableText, "no extractable text"),
    "unstructured/empty.txt": (EmptyDocument, "empty file"),
    "unstructured/fake-text-all-whitespace.txt": (EmptyDocument, "empty file"),
    **(
        {}
        if HAS_CATDOC
        else {
            name: (UnsupportedFormat, CATDOC_MISSING) for name in ("unstructured/fake.doc", "unstructured/simple.doc")
        }
    ),
    **{
        name: (UnsupportedFormat, f"unsupported type {Path(name).suffix}")
        for name in (
            "unstructured/README.org",
            "unstructured/README.rst",
            "unstructured/arbitrary-records.json",
            "unstructured/factbook.xml",
            "unstructured/fake-doc.rtf",
            "unstructured/fake-email.eml",
            "unstructured/fake-power-point.pptx",
            "unstructured/fake-power-point-malformed.pptx",
            "unstructured/fake.odt",
            "unstructured/img/DA-1p.png",
            "unstructured/img/example.jpg",
        )
    },
}


def manifest_files() -> list[str]:
    """Corpus paths from MANIFEST.tsv, or one placeholder so collection works without the corpus."""
    manifest = DOCS_CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return ["(docs corpus absent)"]
    with manifest.open(encoding="utf-8", newline="") as stream:
        return [row["file"] for row in csv.DictReader(stream, delimiter="\t")]


def survey_rows() -> list[dict[str, str]]:
    survey = DOCS_CORPUS / "PDF_SURVEY.tsv"
    if not survey.is_file():
        return [{"file": "(docs corpus absent)"}]
    with survey.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream, delimiter="\t"))


def outcome(name: str, passwords: tuple[str, ...] = ()) -> ParsedDocument | IngestError:
    """Parse a corpus file once per session, keeping a refusal as a value."""
    return _cached_outcome(name, passwords)  # one cache key whether or not passwords is passed


@functools.cache
def _cached_outcome(name: str, passwords: tuple[str, ...]) -> ParsedDocument | IngestError:
    try:
        return parse_file(DOCS_CORPUS / name, limits=ParseLimits(pdf_passwords=passwords))
    except IngestError as error:
        return error


def parsed(name: str, passwords: tuple[str, ...] = ()) -> ParsedDocument:
    result = outcome(name, passwords)
    assert isinstance(result, ParsedDocument), f"{name} refused: {result}"
    return result


def refusal(name: str) -> IngestError:
    result = outcome(name)
    assert isinstance(result, IngestError), f"{name} parsed; a refusal was expected"
    return result


def test_manifest_lists_161_files_that_exist(docs_corpus: Path) -> None:
    names = manifest_files()
    assert len(names) == 161
    assert [name for name in names if not (docs_corpus / name).is_file()] == []


@pytest.mark.parametrize(
    "name",
    [pytest.param(name, marks=pytest.mark.slow) if name in SLOW_FILES else name for name in manifest_files()],
)
def test_every_file_parses_or_is_refused_with_a_one_line_reason(docs_corpus: Path, name: str) -> None:
    result = outcome(name)  # any exception other than an IngestError fails the test here
    if name in REFUSED:
        expected_class, expected_reason = REFUSED[name]
        assert isinstance(result, expected_class), f"{name}: {result!r}"
        assert str(result) == expected_reason
    else:
        assert isinstance(result, ParsedDocument), f"{name} refused: {result!r}"
        assert result.markdown().strip()
        assert result.path == str(docs_corpus / name)


# --- encryption ------------------------------------------------------------------------------

USER_PASSWORD_FILES = {
    "pypdf/encryption/r2-user-password.pdf": "pdf encryption test",
    "pypdf/encryption/r4-aes-user-password.pdf": "pdf encryption test",
    "pypdf/encryption/r6-both-passwords.pdf": "pdf encryption test",
    "pypdf/crazyones-encrypted-256.pdf": "The Crazy Ones",
    "pypdf/encrypted-file.pdf": "Example",
    "pypdf/libreoffice-writer-password.pdf": "Lorem ipsum dolor sit amet",
    "unstructured/pdf/password.pdf": "File with password",
}


@pytest.mark.parametrize("name", sorted(USER_PASSWORD_FILES))
def test_user_password_pdfs_are_refused_then_open_with_the_password(docs_corpus: Path, name: str) -> None:
    assert str(refusal(name)) == ENCRYPTED
    assert USER_PASSWORD_FILES[name] in parsed(name, README_PASSWORDS).markdown()


@pytest.mark.parametrize(
    "name",
    [
        "unstructured/pdf/copy-protected.pdf",
        "pypdf/encryption/r2-owner-password.pdf",
        "pypdf/encryption/r3-empty-password.pdf",
        "pypdf/encryption/r4-owner-password.pdf",
        "pypdf/encryption/r6-owner-password.pdf",
    ],
)
def test_empty_password_and_copy_protected_pdfs_parse(docs_corpus: Path, name: str) -> None:
    text = parsed(name).markdown()
    assert "LayoutParser" in text if "copy-protected" in name else "pdf encryption test" in text


def test_password_protected_xlsx_is_refused_as_encrypted(docs_corpus: Path) -> None:
    error = refusal("unstructured/password_protected.xlsx")
    assert isinstance(error, EncryptedDocument)
    assert str(error) == ENCRYPTED


# --- no text, unsupported, empty -------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "unstructured/pdf/loremipsum-flat.pdf",
        "unstructured/pdf/single_table.pdf",
        "unstructured/pdf/table-multi-row-column-cells.pdf",
        "pypdf/git.pdf",
        "pypdf/imagemagick-CCITTFaxDecode.pdf",
    ],
)
def test_image_only_pdfs_have_no_extractable_text(docs_corpus: Path, name: str) -> None:
    error = refusal(name)
    assert isinstance(error, NoExtractableText)
    assert str(error) == SCANNED


@pytest.mark.parametrize(
    "name",
    [
        "unstructured/fake-power-point.pptx",
        "unstructured/fake-power-point-malformed.pptx",
        "unstructured/fake.odt",
        "unstructured/fake-doc.rtf",
        "unstructured/img/DA-1p.png",
        "unstructured/img/example.jpg",
        "unstructured/fake-email.eml",
    ],
)
def test_unsupported_types_are_named(docs_corpus: Path, name: str) -> None:
    error = refusal(name)
    assert isinstance(error, UnsupportedFormat)
    assert str(error) == f"unsupported type {Path(name).suffix}"


@pytest.mark.parametrize("name", ["unstructured/empty.txt", "unstructured/fake-text-all-whitespace.txt"])
def test_empty_and_whitespace_files_are_empty(docs_corpus: Path, name: str) -> None:
    error = refusal(name)
    assert isinstance(error, EmptyDocument)
    assert str(error) == "empty file"


@pytest.mark.skipif(not HAS_CATDOC, reason="catdoc not installed (apt-get install catdoc)")
def test_legacy_doc_text_is_read_with_catdoc(docs_corpus: Path) -> None:
    # Both corpus .doc files keep their text in OLE's mini stream, which antiword refuses.
    assert "Lorem ipsum dolor sit amet." in parsed("unstructured/fake.doc").markdown()
    simple = parsed("unstructured/simple.doc").markdown()
    assert simple.startswith("These are a few of my favorite things:")
    assert "Parrots" in simple and "Hockey" in simple


# --- encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "unstructured/fake-text-utf-16.txt",
        "unstructured/fake-text-utf-16-le.txt",
        "unstructured/fake-text-utf-16-be.txt",
        "unstructured/fake-text-utf-32.txt",
    ],
)
def test_utf16_and_utf32_text_reads_like_its_utf8_twin(docs_corpus: Path, name: str) -> None:
    text = parsed(name).markdown()
    assert text.startswith("This is a test document to use for unit tests.")
    assert "- Hamburgers are delicious" in text
    assert "\x00" not in text and "\ufeff" not in text


def test_latin1_markdown_decodes_its_umlauts(docs_corpus: Path) -> None:
    latin1 = parsed("unstructured/umlauts-non-utf8.md")
    assert latin1.markdown() == parsed("unstructured/umlauts-utf8.md").markdown() == "## können\n\nkönnen\n\näöüß"


def test_cp1252_html_decodes_its_accents_and_euro_signs(docs_corpus: Path) -> None:
    text = parsed("unstructured/fake-html-cp1252.html").markdown()
    for phrase in ("Die schöne Frau", "Der Preis betrug 15,50 €", "L'été était très chaud", "El niño comió"):
        assert phrase in text
    assert "Ã" not in text


@pytest.mark.parametrize(
    ("utf16", "utf8"),
    [
        (
            "unstructured/example-steelJIS-datasheet-utf-16.html",
            "unstructured/example-steelJIS-datasheet.html",
        ),
        ("unstructured/stanley-cups-utf-16.csv", "unstructured/stanley-cups.csv"),
    ],
)
def test_utf16_files_parse_exactly_like_their_utf8_twins(docs_corpus: Path, utf16: str, utf8: str) -> None:
    assert parsed(utf16).blocks == parsed(utf8).blocks


def test_base64_hebrew_text_file_is_kept_as_its_ascii(docs_corpus: Path) -> None:
    assert parsed("unstructured/hebrew-text-base64-iso88598i.txt").markdown() == (
        "8uPr5e8gVGVzbGEgLSDw4/j5+iDn+unu5CDy7CDk4ff55CDs+On55e0g"
    )


# --- PDF content -----------------------------------------------------------------------------


def test_crazyones_pdf_text_matches_the_expected_text(docs_corpus: Path) -> None:
    extracted = " ".join(parsed("pypdf/crazyones.pdf").markdown().split())
    expected = " ".join((docs_corpus / "pypdf/crazyones.txt").read_text(encoding="utf-8").split())
    assert difflib.SequenceMatcher(None, extracted, expected).ratio() > 0.95


def test_malformed_xref_is_repaired(docs_corpus: Path) -> None:
    assert parsed("pypdf/issue-297.pdf").markdown() == "test example"


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        (
            "unstructured/pdf/invalid-pdf-structure-pdfminer-one-page.pdf",
            "Office of the National Cyber Director",
        ),
        ("unstructured/pdf/failure-after-repair.pdf", "Understanding Breast Cancer"),
        ("unstructured/pdf/pdf-bad-color-space.pdf", "2023 Environmental Report"),
        ("unstructured/pdf/negative-coords.pdf", "Comprehensive Carbon Footprint Letter of Assurance"),
        ("unstructured/rotated-page-90.pdf", "Rotated page fixture"),
        ("pypdf/multilang.pdf", "Russian: Привет, мир"),
    ],
)
def test_odd_pdfs_yield_their_text(docs_corpus: Path, name: str, phrase: str) -> None:
    assert phrase in parsed(name).markdown()


@pytest.mark.slow
def test_619_page_pdf_keeps_every_page(docs_corpus: Path) -> None:
    document = parsed("unstructured/pdf/DA-619p.pdf")
    assert document.properties["pages"] == 619
    pages = [block.location.page or 0 for block in document.blocks]
    assert pages == sorted(pages)  # reading order
    assert (pages[0], pages[-1]) == (1, 619)
    assert any("High dragons are seldom seen." in block.text for block in document.blocks if block.location.page == 11)


@pytest.mark.parametrize(
    "row",
    [pytest.param(row, marks=pytest.mark.slow) if row["file"] in SLOW_FILES else row for row in survey_rows()],
    ids=lambda row: row["file"],
)
def test_pdf_survey_oracle(docs_corpus: Path, row: dict[str, str]) -> None:
    """Files with text in the survey yield text (with the README passwords); files without do not."""
    encrypted = not row["status"].startswith("ok")
    result = outcome(row["file"], README_PASSWORDS if encrypted else ())
    if row["text_chars_first50pages"] in ("", "0"):
        # No count at all: the survey found no password (r6-both-passwords); the README's "foo" opens it.
        expected_text = encrypted and not row["text_chars_first50pages"]
        assert isinstance(result, ParsedDocument) == expected_text, f"{row['file']}: {result!r}"
        return
    assert isinstance(result, ParsedDocument), f"{row['file']} refused: {result}"
    assert result.properties["pages"] == int(row["pages"])
    assert result.markdown().strip()

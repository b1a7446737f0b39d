"""Files met in the wild that once stopped a batch or came out empty (issue 10, item 8).

Fixtures are made by tests/fixtures/make_fixtures.py: a PDF whose font maps a glyph to a lone
surrogate, a macro-enabled workbook, a Strict Open XML document, a document whose text sits in
content controls, a page of image links and a PDF saved as ``.txt``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ingest import pipeline
from ingest.chunking import ChunkingConfig
from ingest.errors import NoExtractableText, ParseFailed
from ingest.parsers import parse_file, repair_text
from ingest.parsers.archives import OLE_MAGIC
from ingest.pipeline import process_file
from retrieval.direct import index_content, suffix_for
from retrieval.embedding import HashEmbedder
from retrieval.knowledge_base import KnowledgeBase
from retrieval.sync import FolderSource, sync_folder
from tests.conftest import FIXTURES
from tests.support import ragkb


def words(path: Path) -> str:
    return " ".join(block.text for block in parse_file(path).blocks)


def open_kb(tmp_path: Path) -> KnowledgeBase:
    return KnowledgeBase(directory=tmp_path / "kb", embedder=HashEmbedder(), chunking=ChunkingConfig())


# --- text that cannot be encoded -------------------------------------------------------------


def test_lone_surrogates_from_a_pdf_font_are_replaced_at_extraction() -> None:
    text = words(FIXTURES / "surrogates.pdf")
    assert "Invoice for the \ufffdambda service" in text
    text.encode("utf-8")  # would raise on a lone surrogate


def test_repair_joins_surrogate_pairs_and_replaces_lone_halves() -> None:
    assert repair_text("x\ud835y \ud83d\ude00 \udc00") == "x\ufffdy \U0001f600 \ufffd"
    assert repair_text("plain") == "plain"


def test_a_pdf_with_surrogates_is_chunked() -> None:
    result = process_file(FIXTURES / "surrogates.pdf", chunking=ChunkingConfig())
    assert result.status == "ok"
    assert "Payment is due within thirty days." in result.chunks[0].text


def test_chunk_answers_every_file_when_one_has_surrogates(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "surrogates.pdf", tmp_path / "a-surrogates.pdf")
    shutil.copy(FIXTURES / "sample.txt", tmp_path / "b-plain.txt")
    result = ragkb("chunk", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    status = {Path(d["path"]).name: d["status"] for d in json.loads(result.stdout)["documents"]}
    assert status == {"a-surrogates.pdf": "ok", "b-plain.txt": "ok"}


def test_sync_indexes_a_pdf_with_surrogates_beside_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(FIXTURES / "surrogates.pdf", folder / "invoice.pdf")
    shutil.copy(FIXTURES / "sample.md", folder / "guide.md")
    kb = open_kb(tmp_path)
    _, report = sync_folder(kb, FolderSource("DS", folder))
    assert (report.new_documents_indexed, report.documents_failed) == (2, 0)
    assert "\ufffdambda" in kb.retrieve("invoice service payment", k=1)[0].text


def test_an_upload_with_surrogates_is_indexed(tmp_path: Path) -> None:
    kb = open_kb(tmp_path)
    outcome = index_content(
        kb, data_source_id="DS", document_id="invoice", content=(FIXTURES / "surrogates.pdf").read_bytes(),
        suffix=".pdf", metadata={},
    )  # fmt: skip
    assert (outcome.status, outcome.reason) == ("INDEXED", None)
    assert outcome.chunks == 1


def test_any_error_while_handling_one_file_becomes_its_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("chunker bug")

    monkeypatch.setattr(pipeline, "chunk_document", broken)
    result = process_file(FIXTURES / "sample.txt", chunking=ChunkingConfig())
    assert (result.status, result.reason) == ("failed", "internal error: RuntimeError: chunker bug")


# --- formats that were refused -----------------------------------------------------------------


def test_macro_enabled_workbooks_are_read() -> None:
    with zipfile.ZipFile(FIXTURES / "macros.xlsm") as archive:
        assert b"macroEnabled" in archive.read("[Content_Types].xml")
    document = parse_file(FIXTURES / "macros.xlsm")
    [table] = [block for block in document.blocks if block.kind == "table"]
    assert table.location.sheet == "Budget"
    assert table.table is not None and table.table.rows == (("Quillpens", "12"),)
    assert suffix_for("application/vnd.ms-excel.sheet.macroEnabled.12") == ".xlsm"


def test_strict_open_xml_documents_are_read() -> None:
    with zipfile.ZipFile(FIXTURES / "strict.docx") as archive:
        assert b"http://purl.oclc.org/ooxml/wordprocessingml/main" in archive.read("word/document.xml")
    document = parse_file(FIXTURES / "strict.docx")
    assert [(b.kind, b.text) for b in document.blocks] == [
        ("heading", "Strict conformance"),
        ("text", "Zephyrine contracts are renewed every spring."),
    ]


# --- files that came out "ok" with no text ------------------------------------------------------


def test_text_in_content_controls_and_custom_xml_is_read_at_every_level() -> None:
    document = parse_file(FIXTURES / "content-controls.docx")
    texts = [block.text for block in document.blocks if block.kind == "text"]
    assert texts == [
        "Marmalade deposits are refunded.",
        "Nested control: tenant Orvillea.",
        "Custom clause: pets allowed.",
        "Block custom notes on heating.",
    ]
    [table] = [block.table for block in document.blocks if block.kind == "table"]
    assert table is not None
    assert (table.header, table.rows) == (("Party", "Role"), (("Quintessa", "landlord"), ("Brambleton", "tenant")))


def test_links_without_text_read_as_their_image_alt_or_label() -> None:
    text = words(FIXTURES / "links.html")
    for name in ("Fennimore Logistics", "Gallowglass Shipping", "Harrowgate Freight", "Ironbridge Couriers"):
        assert name in text


def test_a_page_of_separators_alone_has_no_extractable_text(tmp_path: Path) -> None:
    path = tmp_path / "links.html"
    path.write_text('<html><body><a href="/a"><img src="a.png"></a> | <a href="/b"></a> &middot; </body></html>')
    with pytest.raises(NoExtractableText):
        parse_file(path)
    result = process_file(path, chunking=ChunkingConfig())
    assert (result.status, result.reason) == ("failed", "no extractable text")


# --- content that disagrees with its extension --------------------------------------------------


def test_a_pdf_saved_as_txt_is_read_as_a_pdf() -> None:
    assert (FIXTURES / "pdf-saved-as.txt").read_bytes().startswith(b"%PDF-")
    document = parse_file(FIXTURES / "pdf-saved-as.txt")
    assert document.blocks[0].text == "Annual report"
    assert document.blocks[0].location.page == 1
    assert "endobj" not in " ".join(block.text for block in document.blocks)


def test_a_workbook_saved_as_xls_is_read_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "old-name.xls"
    shutil.copy(FIXTURES / "sample.xlsx", path)
    assert parse_file(path).blocks == parse_file(FIXTURES / "sample.xlsx").blocks


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"PK\x03\x04" + b"\x00" * 40, "content is a zip archive but extension is .txt"),
        (OLE_MAGIC + b"\x00" * 40, "content is a legacy Office (OLE2) file but extension is .txt"),
    ],
)
def test_binary_content_under_a_text_extension_is_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    with pytest.raises(ParseFailed) as caught:
        parse_file(path)
    assert str(caught.value) == reason


def test_a_zip_that_is_no_office_file_under_txt_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "zipped words")
    path = tmp_path / "archive.txt"
    path.write_bytes(buffer.getvalue())
    result = process_file(path, chunking=ChunkingConfig())
    assert (result.status, result.reason) == ("failed", "content is a zip archive but extension is .txt")


def test_an_xlsm_fixture_round_trips_through_openpyxl() -> None:
    workbook = openpyxl.load_workbook(FIXTURES / "macros.xlsm", read_only=True)
    assert workbook.sheetnames == ["Budget"]
    workbook.close()


def test_a_file_name_that_is_not_utf8_is_refused_and_the_sync_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    try:
        Path(os.fsdecode(bytes(folder) + b"/caf\xe9.txt")).write_text("Latin-1 name about coffee.")
    except (OSError, UnicodeError):
        pytest.skip("this file system does not store names that are not UTF-8")
    shutil.copy(FIXTURES / "sample.txt", folder / "plain.txt")
    _, report = sync_folder(open_kb(tmp_path), FolderSource("DS", folder))
    assert report.new_documents_indexed == 1
    [failure] = report.failures
    assert failure.reason == "file name is not valid UTF-8; rename the file"

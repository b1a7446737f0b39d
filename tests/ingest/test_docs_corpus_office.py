"""The real docs corpus (../shared/eval/docs-corpus): Word files, spreadsheets, HTML and long texts keep
their structure."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.test_docs_corpus import parsed

# --- Word, spreadsheets, HTML, text ----------------------------------------------------------


def test_872_page_handbook_keeps_its_heading_tree(docs_corpus: Path) -> None:
    document = parsed("unstructured/handbook-872p.docx")
    headings = [block for block in document.blocks if block.kind == "heading"]
    assert [sum(block.level == level for block in headings) for level in (1, 2, 3)] == [14, 90, 190]
    assert headings[0].text == "CHAPTER 1 \u2013 INTRODUCTION"
    assert headings[1].location.headings == ("CHAPTER 1 \u2013 INTRODUCTION",)
    assert len(document.markdown()) > 800_000


def test_docx_with_malformed_grid_keeps_merged_values(docs_corpus: Path) -> None:
    (block,) = parsed("unstructured/grid_offset_error.docx").blocks
    assert block.table is not None
    assert block.table.header == ("A", "Merged B1-B3")
    assert block.table.rows == (("C", "Merged B1-B3"),)


def test_docx_tables_with_incomplete_rows_are_padded(docs_corpus: Path) -> None:
    document = parsed("unstructured/tables-with-incomplete-rows.docx")
    found = [block.table for block in document.blocks if block.table is not None]
    assert len(found) == 6
    assert all(len(row) == len(table.header) for table in found for row in table.rows)


def test_war_and_peace_is_split_into_paragraphs(docs_corpus: Path) -> None:
    document = parsed("unstructured/book-war-and-peace-1225p.txt")
    assert len(document.blocks) > 10_000
    assert sum("Prince Andrew" in block.text for block in document.blocks) > 500


def test_10k_filing_keeps_text_and_financial_tables(docs_corpus: Path) -> None:
    document = parsed("unstructured/example-10k.html")
    assert document.properties["title"] == "glxz-10k_20211231.htm"
    assert "Galaxy Gaming, Inc." in document.markdown()
    revenue = [
        row
        for block in document.blocks
        if block.table is not None
        for row in block.table.rows
        if row[0] == "Total revenue"
    ]
    assert ("Total revenue", "$19,984,378", "$10,230,316") in revenue


def test_workbook_sheets_captions_and_row_numbers(docs_corpus: Path) -> None:
    document = parsed("unstructured/stanley-cups.xlsx")
    assert [(block.kind, block.location.sheet, block.location.row) for block in document.blocks] == [
        ("text", "Stanley Cups", 1),
        ("table", "Stanley Cups", 2),
        ("text", "Stanley Cups Since 67", 1),
        ("table", "Stanley Cups Since 67", 2),
    ]
    table = document.blocks[1].table
    assert table is not None
    assert table.header == ("Team", "Location", "Stanley Cups")
    assert table.rows[-1] == ("Maple Leafs", "TOR", "13")
    assert table.row_numbers == (3, 4, 5)


def test_blank_rows_split_sub_tables(docs_corpus: Path) -> None:
    document = parsed("unstructured/xlsx-subtable-cases.xlsx")
    tables = [block for block in document.blocks if block.kind == "table"]
    assert len(tables) == 10
    assert [(block.location.row, block.location.row_end) for block in tables[:3]] == [
        (2, 4),
        (7, 8),
        (12, 13),
    ]


def test_legacy_xls_reads_every_sheet(docs_corpus: Path) -> None:
    document = parsed("unstructured/tests-example.xls")
    assert {block.location.sheet for block in document.blocks} == {"Example Test", "Format Abbr.", "Readme"}
    assert "| MC | What is 2+2? | 4 | correct | 3 | incorrect |" in document.markdown()


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("unstructured/semicolon-delimited.csv", ("Lorem, ipsum", "dolor sit", "amet")),
        ("unstructured/csv-with-line-delimiter.csv", ("col1", "col2", "col3")),
        ("unstructured/table-semicolon-delimiter.csv", ("Year", "Month", "Revenue", "Costs")),
        ("unstructured/csv-with-escaped-commas.csv", ("A", "A", "A", "A", "A")),
        ("unstructured/stanley-cups-with-emoji.tsv", ("Team", "Location", "Stanley Cups")),
    ],
)
def test_csv_delimiters_are_sniffed(docs_corpus: Path, name: str, header: tuple[str, ...]) -> None:
    tables = [block.table for block in parsed(name).blocks if block.table is not None]
    assert tables[0].header == header
    assert all(len(row) == len(header) for row in tables[0].rows)

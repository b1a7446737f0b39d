"""Parsers of spreadsheets, CSV/TSV, HTML, Markdown and plain text, on small generated fixtures and files
built in tmp_path; and the one refusal shape of every parser."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from ingest.errors import (
    IngestError,
    NoExtractableText,
)
from ingest.parsers import parse_file
from ingest.parsers.blocks import HeadingTrail, paragraphs
from ingest.parsers.spreadsheets import sniff_delimiter
from tests.conftest import FIXTURES
from tests.ingest.test_parsers import texts

# --- spreadsheets ----------------------------------------------------------------------------


def test_xlsx_sheets_rows_captions_and_values() -> None:
    document = parse_file(FIXTURES / "sample.xlsx")
    caption, sales, owners, words = document.blocks
    assert (caption.kind, caption.text, caption.location.sheet, caption.location.row) == (
        "text",
        "Sales 2024",
        "Sales",
        1,
    )
    assert sales.table is not None and owners.table is not None and words.table is not None
    assert sales.table.header == ("Region", "Units", "Price", "Since", "Active")
    assert sales.table.rows == (
        ("North", "12", "2.5", "2024-03-01", "TRUE"),
        ("Süd", "7", "0.3", "2024-03-01T14:30:00", "FALSE"),
    )
    assert sales.table.row_numbers == (3, 4)
    assert (sales.location.sheet, sales.location.row, sales.location.row_end) == ("Sales", 2, 4)
    assert owners.table.header == ("Owner", "Phone")
    assert owners.table.row_numbers == (7,)
    assert (words.location.sheet, words.table.rows) == ("Größe", (("naïve", "arglos"),))


def test_empty_workbook_has_no_extractable_text(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(NoExtractableText, match=r"^no extractable text$"):
        parse_file(path)


def test_csv_sniffs_semicolons_and_keeps_quoted_fields() -> None:
    document = parse_file(FIXTURES / "sample.csv")
    table, total = document.blocks
    assert table.table is not None
    assert table.table.header == ("Name", "City", "Note")
    assert table.table.rows == (("Ana", "Málaga", "likes ; semicolons"), ("Bo", "Oslo", "two lines"))
    # Records, not lines: Bo's quoted field spans two lines of the file but is row 3.
    assert table.table.row_numbers == (2, 3)
    assert (total.kind, total.text, total.location.row) == ("text", "Total | 2", 5)


def test_tsv_is_tab_separated() -> None:
    (block,) = parse_file(FIXTURES / "sample.tsv").blocks
    assert block.table is not None
    assert block.table.rows == (("Blues", "1"), ("Maple Leafs", "13"))


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("Lorem, ipsum; dolor; amet\nsed, do; eiusmod; tempor\n", ";"),
        ("a\tb\n1\t2\n", "\t"),
        ("col1|col2|col3\na|b|c\n", "|"),
        ('A,B,C\nx,"y,z",w\n', ","),
        ("just one column\nof plain lines, some, with commas\nand more\n", None),
    ],
)
def test_sniff_delimiter(sample: str, expected: str | None) -> None:
    assert sniff_delimiter(sample) == expected


# --- HTML, Markdown, text --------------------------------------------------------------------


def test_html_structure_and_declared_cp1252() -> None:
    document = parse_file(FIXTURES / "sample.html")
    assert document.properties == {"title": "Café guide"}
    assert [(block.kind, block.location.headings, block.text) for block in document.blocks] == [
        ("heading", (), "Café guide"),
        ("text", ("Café guide",), "Prices in €, all fair.\nSecond line."),
        ("heading", ("Café guide",), "Menu"),
        ("text", ("Café guide", "Menu"), "- Espresso\n- Latte\n  - oat milk"),
        ("text", ("Café guide", "Menu"), "1. Order\n2. Pay"),
        (
            "table",
            ("Café guide", "Menu"),
            "| Drink | Price |\n| --- | --- |\n| Espresso | 2.10 |\n| Latte | 3.40 |",
        ),
        ("text", ("Café guide", "Menu"), "```\n  brew --strong\n  serve\n```"),
        ("heading", ("Café guide",), "Hours"),
        ("text", ("Café guide", "Hours"), "Open daily."),
    ]
    assert "hidden" not in document.markdown() and "javascript" not in document.markdown()


def test_html_symbol_columns_join_their_numbers(tmp_path: Path) -> None:
    path = tmp_path / "filing.html"
    path.write_text(
        "<table><tr><td></td><td colspan='2'>2021</td><td colspan='2'>2020</td></tr>"
        "<tr><td>Revenue</td><td>$</td><td>10,024</td><td>$</td><td>(5,757</td><td>)</td></tr>"
        "<tr><td>Costs</td><td></td><td>9,959</td><td></td><td>4,473</td><td></td></tr></table>",
        encoding="utf-8",
    )
    (block,) = parse_file(path).blocks
    assert block.table is not None
    assert block.table.header == ("", "2021", "2020")
    assert block.table.rows == (("Revenue", "$10,024", "$(5,757)"), ("Costs", "9,959", "4,473"))


def test_markdown_headings_lists_tables_and_code() -> None:
    document = parse_file(FIXTURES / "sample.md")
    assert [(block.kind, block.level, block.location.headings, block.text) for block in document.blocks] == [
        ("heading", 1, (), "Guide"),
        ("text", 0, ("Guide",), "Intro paragraph with **bold** text."),
        ("heading", 2, ("Guide",), "Steps"),
        ("text", 0, ("Guide", "Steps"), "1. First step\n2. Second step\n  - detail one\n  - detail two"),
        ("table", 0, ("Guide", "Steps"), "| Name | Score |\n| --- | --- |\n| Åsa | 10 |\n| Bo | 7 |"),
        ("text", 0, ("Guide", "Steps"), '```python\nprint("hi")\n```'),
        ("heading", 1, (), "Appendix"),
        ("text", 0, ("Appendix",), "Last words."),
    ]


def test_text_paragraphs_split_on_blank_lines() -> None:
    assert texts(parse_file(FIXTURES / "sample.txt")) == [
        "Første avsnitt om blåbær.\nSamme avsnitt.",
        "Andre avsnitt.",
    ]


def test_text_without_blank_lines_gives_a_block_per_line(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("Name: Iwan Roberts\nPosition: Forward\n\n")
    assert texts(parse_file(path)) == ["Name: Iwan Roberts", "Position: Forward"]


def test_paragraphs_and_heading_trail() -> None:
    assert paragraphs("  one\ntwo  \n \n\nthree\n") == ["one\ntwo", "three"]
    trail = HeadingTrail()
    assert trail.heading("A", level=1).location.headings == ()
    assert trail.heading("B", level=3).location.headings == ("A",)
    assert trail.heading("C", level=2).location.headings == ("A",)
    assert trail.location().headings == ("A", "C")
    assert trail.heading("D", level=9).level == 6


def test_every_refusal_is_an_ingest_error_with_a_one_line_reason(tmp_path: Path) -> None:
    bad = {"x.xlsx": b"PK\x03\x04 truncated", "x.xls": b"not a workbook", "x.html": b"\x00\x01\x02\x03\x00"}
    for name, data in bad.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(IngestError) as caught:
            parse_file(path)
        reason = str(caught.value)
        assert reason and "\n" not in reason, name

"""Regenerate the binary sample documents in data/sample (docx, xlsx, pdf).

The text files are written by hand; this script exists so the binary ones are reproducible:
    .venv/bin/python data/make_samples.py
"""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl

SAMPLE = Path(__file__).parent / "sample"


def make_docx(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Roastery Safety Procedures", level=1)
    document.add_paragraph(
        "These procedures apply to everyone who enters the roastery floor. They were last reviewed "
        "by the safety officer in January 2026."
    )
    document.add_heading("Protective equipment", level=2)
    for item in (
        "Wear closed shoes with non-slip soles at all times.",
        "Wear heat-resistant gloves when touching the drum door, the trier or the cooling tray.",
        "Wear hearing protection when the roaster and the destoner run together.",
    ):
        document.add_paragraph(item, style="List Bullet")
    document.add_heading("Fire", level=2)
    document.add_paragraph(
        "If smoke comes from the chaff collector, switch off the burner, keep the drum turning and "
        "close the exhaust damper. Never open the chaff collector while it is burning. Use the CO2 "
        "extinguisher next to the roaster; call the fire brigade on 112 if the fire is not out within "
        "one minute."
    )
    document.add_heading("Lifting", level=2)
    document.add_paragraph(
        "Green coffee sacks weigh up to 70 kg. Always lift them with two people or with the sack "
        "trolley. Nobody may carry more than 25 kg alone."
    )
    table = document.add_table(rows=1, cols=3)
    table.rows[0].cells[0].text = "Incident"
    table.rows[0].cells[1].text = "First contact"
    table.rows[0].cells[2].text = "Phone"
    for row in (
        ("Burn", "First aider on shift", "4011"),
        ("Fire", "Fire brigade", "112"),
        ("Injury from lifting", "Safety officer", "4012"),
    ):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    document.save(str(path))


def make_xlsx(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sales = workbook.active
    sales.title = "Sales 2025"
    sales.append(["Month", "Café Altstadt (EUR)", "Café Hafen (EUR)", "Online shop (EUR)"])
    rows = [
        ("January", 41200, 35800, 22100),
        ("February", 39900, 33100, 20400),
        ("March", 44800, 38200, 23900),
        ("April", 47100, 40100, 21800),
        ("May", 51300, 45600, 19700),
        ("June", 53900, 48800, 18200),
    ]
    for row in rows:
        sales.append(list(row))
    targets = workbook.create_sheet("Targets 2026")
    targets.append(["Channel", "Target growth", "Owner"])
    for row in (
        ("Cafés", "6 %", "Operations"),
        ("Online shop", "15 %", "E-commerce"),
        ("Wholesale", "10 %", "Sales"),
    ):
        targets.append(list(row))
    workbook.save(str(path))


def _pdf_page_stream(lines: list[str]) -> bytes:
    escaped = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
    body = "BT /F1 11 Tf 14 TL 72 760 Td " + " ".join(f"({t}) Tj T*" for t in escaped) + " ET"
    return body.encode("latin-1")


def make_pdf(path: Path, pages: list[list[str]]) -> None:
    """A minimal text PDF (Helvetica, WinAnsi) with one content stream per page."""
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for pid, lines in zip(page_ids, pages, strict=True):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {pid + 1} 0 R >>".encode()
        )
        stream = _pdf_page_stream(lines)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


BREWING_PAGES = [
    [
        "Brewing Guide",
        "",
        "Water. Use filtered water between 92 and 96 degrees Celsius. Water that is too hot",
        "extracts bitter compounds; water that is too cool tastes sour and thin.",
        "",
        "Pour-over. Use 15 grams of coffee for 250 grams of water. Bloom the grounds with",
        "40 grams of water for 30 seconds, then pour slowly in circles. The total brew time",
        "should be between 2:30 and 3:30 minutes.",
        "",
        "French press. Use 30 grams of coarse coffee for 450 grams of water. Stir after one",
        "minute, steep for four minutes in total, then press gently and serve at once.",
    ],
    [
        "Espresso",
        "",
        "Dose 18 grams into a double basket and extract 36 grams of espresso in 25 to 30",
        "seconds. If the shot runs faster, grind finer; if it runs slower, grind coarser.",
        "",
        "Cold brew. Steep 100 grams of extra coarse coffee in 800 grams of cold water for",
        "16 hours in the fridge, then filter. Dilute the concentrate one to one with water",
        "or milk. Cold brew keeps for up to ten days when refrigerated.",
    ],
]


def main() -> None:
    make_docx(SAMPLE / "safety-procedures.docx")
    make_xlsx(SAMPLE / "sales-2025.xlsx")
    make_pdf(SAMPLE / "brewing-guide.pdf", BREWING_PAGES)


if __name__ == "__main__":
    main()

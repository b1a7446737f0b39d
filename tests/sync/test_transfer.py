"""``ragkb kb export`` / ``import`` move a knowledge base between the embedded store and PostgreSQL with its
vectors: the same queries retrieve the same chunks (same scores) before and after, both ways."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.support import ROOT, ragkb

SAMPLE = ROOT / "data" / "sample"
QUERIES = [
    ("vacation days", None),
    ("espresso machine cleaning", None),
    ("who approves expenses", {"equals": {"key": "department", "value": "people"}}),
]


def answers(home: Path) -> list[list[tuple[str, float]]]:
    found = []
    for query, flt in QUERIES:
        args = ["retrieve", query, "--kb", "sample", "--search-type", "SEMANTIC", "-k", "5", "--json"]
        done = ragkb(*args, *(["--filter", json.dumps(flt)] if flt else []), home=home)
        assert done.returncode == 0, done.stderr
        results = json.loads(done.stdout)["retrievalResults"]
        found.append([(r["content"]["text"], round(r["score"], 5)) for r in results])
    return found


def test_embedded_to_postgres_and_back(tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAGKB_DATABASE_URL", raising=False)
    assert ragkb("sync", str(SAMPLE), "--kb", "sample", home=tmp_path / "a").returncode == 0
    before = answers(tmp_path / "a")
    assert all(before)
    exported = ragkb("kb", "export", "sample", str(tmp_path / "sample.gz"), home=tmp_path / "a")
    assert exported.returncode == 0, exported.stderr
    with gzip.open(tmp_path / "sample.gz", "rt") as stream:
        header = json.loads(stream.readline())
    assert header["name"] == "sample" and header["embedder"].startswith("hash")

    monkeypatch.setenv("RAGKB_DATABASE_URL", postgres_url)
    imported = ragkb("kb", "import", str(tmp_path / "sample.gz"), home=tmp_path / "unused")
    assert imported.returncode == 0, imported.stderr
    assert "7 documents" in imported.stdout
    assert answers(tmp_path / "unused") == before
    again = ragkb("kb", "export", "sample", str(tmp_path / "from-pg.gz"), home=tmp_path / "unused")
    assert again.returncode == 0, again.stderr

    monkeypatch.delenv("RAGKB_DATABASE_URL")
    back = ragkb("kb", "import", str(tmp_path / "from-pg.gz"), home=tmp_path / "b")
    assert back.returncode == 0, back.stderr
    assert answers(tmp_path / "b") == before


def test_import_refuses_what_is_not_an_export(tmp_path: Path) -> None:
    (tmp_path / "bad.gz").write_bytes(gzip.compress(b'{"hello": 1}\n'))
    done = ragkb("kb", "import", str(tmp_path / "bad.gz"), home=tmp_path)
    assert done.returncode == 1 and "not a ragkb knowledge-base export" in done.stderr
    assert json.loads(ragkb("kb", "list", "--json", home=tmp_path).stdout) == {"knowledgeBases": []}

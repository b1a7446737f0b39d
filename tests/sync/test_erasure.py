"""Erasure leaves no trace (issue 10, item 6): after a document or a knowledge base is deleted, no
file under the home holds its words, read as raw bytes: the catalog, its write-ahead log and
shared memory, the vector index, the registry. Checked while the knowledge base is open and after
it is closed. docs/knowledge-bases.md ("Erasure") says what this cannot cover.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.direct import delete_content, index_content
from retrieval.sync import FolderSource, sync_folder
from tests.support import ROOT, open_kb, ragkb

SECRET = "Zebulonquokkafrobnicate is the password of the vault."
# The middle of the word: found in the stored text and in the keyword index's token, which stores
# each term after the prefix it shares with the term before it.
TRACE = b"okkafrobnic"
KEPT = "Descale the espresso machine every month with citric acid."


def files_with_trace(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and TRACE in p.read_bytes())


def folder_with_secret(tmp_path: Path, documents: int = 30) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "secret.txt").write_text(f"{SECRET}\n\n{KEPT}")
    for i in range(documents):  # enough pages that the keyword index has several segments
        (folder / f"kept-{i:03}.txt").write_text(f"Note {i}. {KEPT} " * 20)
    return folder


@pytest.mark.parametrize("change", ["deleted", "modified"])
def test_a_deleted_or_rewritten_document_leaves_no_trace_open_or_closed(tmp_path: Path, change: str) -> None:
    home = tmp_path / "home"
    folder = folder_with_secret(tmp_path)
    kb = open_kb(home)
    source = FolderSource("DS", folder)
    sync_folder(kb, source)
    assert files_with_trace(home), "the secret should be stored before it is erased"
    if change == "deleted":
        (folder / "secret.txt").unlink()
    else:
        (folder / "secret.txt").write_text(f"Redacted.\n\n{KEPT}")
    sync_folder(kb, source)
    assert files_with_trace(home) == []  # while open: catalog, -wal, -shm, vectors
    assert kb.retrieve("descale espresso citric", k=1)[0].text  # the rest is still searchable
    assert kb.catalog.keyword_search("zebulonquokkafrobnicate", limit=5) == []
    kb.close()
    assert files_with_trace(home) == []


def test_a_deleted_upload_leaves_no_trace(tmp_path: Path) -> None:
    home = tmp_path / "home"
    kb = open_kb(home)
    for i in range(30):
        index_content(kb, data_source_id="DS", document_id=f"kept-{i}", content=KEPT.encode() * 20, suffix=".txt",
                      metadata={})  # fmt: skip
    index_content(kb, data_source_id="DS", document_id="secret", content=SECRET.encode(), suffix=".txt", metadata={})
    kb.save()
    assert files_with_trace(home)
    assert delete_content(kb, data_source_id="DS", document_id="secret").status == "DELETED"
    kb.save()
    assert files_with_trace(home) == []
    kb.close()
    assert files_with_trace(home) == []


def test_an_erasure_cut_short_by_a_kill_is_finished_on_the_next_open(tmp_path: Path) -> None:
    home = tmp_path / "home"
    kb = open_kb(home)
    sync_folder(kb, FolderSource("DS", folder_with_secret(tmp_path)))
    kb.close()
    # Delete the document and die at once: no save(), no close(), the erasure never ran.
    code = (
        "import os, sys; from pathlib import Path; from tests.support import open_kb\n"
        "kb = open_kb(Path(sys.argv[1])); row = kb.catalog.documents('DS')['secret.txt']\n"
        "kb.delete_document(row.id); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code, str(home)], cwd=ROOT, check=True, timeout=120)
    assert files_with_trace(home), "the killed process should leave the words in the keyword index or the WAL"
    kb = open_kb(home)
    assert files_with_trace(home) == []
    kb.close()


def test_kb_delete_removes_every_file_of_the_knowledge_base(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folder = folder_with_secret(tmp_path, documents=3)
    assert ragkb("sync", str(folder), "--kb", "zebulonquokkafrobnicatekb", home=home).returncode == 0
    [kb_folder] = list((home / "kbs").iterdir())
    assert files_with_trace(home)
    result = ragkb("kb", "delete", "zebulonquokkafrobnicatekb", "--yes", home=home)
    assert result.returncode == 0, result.stderr
    assert not kb_folder.exists()
    assert files_with_trace(home) == []  # neither its documents nor its name in the registry

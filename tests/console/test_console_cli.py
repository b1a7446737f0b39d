"""``ragkb guardrail test``: the console's guardrail test cases from the command line, with exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from app.core.guardrails.cases import GuardrailTestStore
from app.core.guardrails.store import GroundingFilter, GuardrailStore
from app.core.guardrails.violations import ViolationLog
from tests.support import ragkb

SOURCE = "Green coffee sacks weigh up to 70 kg. Nobody may carry more than 25 kg alone."
QUERY = "How much may one person carry alone?"


def case(name: str, text: str, expected: str) -> str:
    return json.dumps({"name": name, "text": text, "query": QUERY, "sources": [SOURCE], "expected": expected})


def test_cases_from_a_file_run_and_a_failure_exits_3(tmp_path: Path) -> None:
    store = GuardrailStore(tmp_path)
    record = store.create(name="answers", filters=(GroundingFilter("GROUNDING", 0.5),))
    store.close()
    cases = tmp_path / "cases.jsonl"
    cases.write_text(case("made up", "Anyone may carry 90 kg alone.", "GUARDRAIL_INTERVENED") + "\n", encoding="utf-8")
    passed = ragkb("guardrail", "test", "answers", "--cases", str(cases), "--json", home=tmp_path)
    assert passed.returncode == 0, passed.stderr
    (result,) = json.loads(passed.stdout)
    assert result["passed"] and result["action"] == "GUARDRAIL_INTERVENED" and result["scores"]["GROUNDING"] < 0.5
    cases.write_text(case("wrong", "Anyone may carry 90 kg alone.", "NONE") + "\n", encoding="utf-8")
    failed = ragkb("guardrail", "test", record.id, "--cases", str(cases), home=tmp_path)
    assert failed.returncode == 3, failed.stderr
    assert "1 of 2 passed" in failed.stdout and "FAIL" in failed.stdout
    assert len(GuardrailTestStore(tmp_path).list(record.id)) == 2  # the file's cases are kept with the guardrail
    assert [v.path for v in ViolationLog(tmp_path).list(guardrail_id=record.id)] == ["test"] * 3


def test_an_unknown_guardrail_or_a_bad_case_file_is_an_error(tmp_path: Path) -> None:
    missing = ragkb("guardrail", "test", "nope", home=tmp_path)
    assert missing.returncode == 1 and "no guardrail named 'nope'" in missing.stderr
    GuardrailStore(tmp_path).create(name="answers")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    refused = ragkb("guardrail", "test", "answers", "--cases", str(bad), home=tmp_path)
    assert refused.returncode == 1 and "line 1 of the cases file is not valid JSON" in refused.stderr

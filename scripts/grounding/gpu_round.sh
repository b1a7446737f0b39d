#!/usr/bin/env bash
# A round of the cross-encoder on one GPU: trainings from MiniLM at once, their mean where they have one shape, and
# the reads of the evaluation and calibration sets by each (docs/grounding-v2-rounds.md, Rounds 12 and 18).
#
#   GPU=.gpu OUT=/tmp/round12 DEVICE=cuda HOURS=0.075 bash scripts/grounding/gpu_round.sh
#
# $GPU holds what the run needs from this machine (made here, never committed; gpu_prepare.sh makes round 18's):
#   base/                MiniLM (config, tokenizer, weights in fp16 without the pooler)
#   data/train.jsonl.xz  the training pairs (round 12: pairs.py's + qa_pairs.py --qa 100000 --twins 100000 --replay 0)
#   data/pairs.jsonl.xz  pair_table.py record of the evaluation and calibration sets
# Writes to $OUT: each model's weights split into parts under 16 MB (cat them back), and tables.tar (the reads of
# each model, for pair_table.py import, and each training's log, kept in $OUT until then so a run stopped at its
# time limit still returns them): at most 8 files and 64 MiB come back from the device machine, so two 6-layer
# readers (2 x 21.7 MB) or a 6- and a 12-layer one (21.7 + 43.0 MB, round 18) fit.
set -uo pipefail
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
GPU=${GPU:-.gpu} OUT=${OUT:?} DEVICE=${DEVICE:-cuda} HOURS=${HOURS:-0.075}
WORK=$(mktemp -d)
mkdir -p "$WORK/pairs" "$OUT"
OUT=$(realpath "$OUT")
python3 -c "import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], 'wb'))" \
  "$GPU/data/train.jsonl.xz" "$WORK/pairs/train.jsonl"
[ "$DEVICE" = cuda ] && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader

train() {  # name, then train_crossencoder.py options
  local name=$1; shift
  python3 scripts/grounding/train_crossencoder.py --device "$DEVICE" --base "$GPU/base" --pairs "$WORK/pairs" \
    --run "$WORK/$name" --out "$WORK/$name.safetensors" --every 1000000 --passes "${PASSES:-3}" --tokens "${TOKENS:-32768}" --lr 1e-4 \
    --threads 4 --hours "$HOURS" "$@" > "$OUT/$name.log" 2>&1
  echo "$name: exit $? $(tail -1 "$OUT/$name.log")"
}
# VARIANTS: "name:options;name:options" (round 12: the default; its second run: "seed14:--seed 14;passes2:--passes 2")
IFS=';' read -ra variants <<< "${VARIANTS:-twins:--twin-weight 1;plain:--twin-weight 0}"
for variant in "${variants[@]}"; do
  # shellcheck disable=SC2086  # the options are words
  train "${variant%%:*}" ${variant#*:} &
done
wait

models=() files=()
for variant in "${variants[@]}"; do
  name=${variant%%:*}
  [ -f "$WORK/$name.safetensors" ] || continue
  models+=("$name") files+=("$WORK/$name.safetensors")
  split -b 16000000 -d "$WORK/$name.safetensors" "$OUT/$name.part"
done
# Their mean, where they are readers of one depth (round 18's 6- and 12-layer readers are not: no soup then)
depths=$(for file in "${files[@]}"; do
  python3 -c "import sys; from grounding.crossencoder import stored_layers; print(stored_layers(sys.argv[1]))" "$file"
done | sort -u | wc -l)
if [ ${#models[@]} -gt 1 ] && [ "$depths" -eq 1 ]; then
  python3 scripts/grounding/average_weights.py "$WORK/soup.safetensors" "${files[@]}" && models+=(soup)
fi
weights=() tables=()
for name in "${models[@]}"; do weights+=("$WORK/$name.safetensors"); tables+=("$WORK/$name.table.npz"); done
[ ${#models[@]} -gt 0 ] && python3 scripts/grounding/pair_table.py score --pairs "$GPU/data/pairs.jsonl.xz" \
  --weights "${weights[@]}" --base "$GPU/base" --device "$DEVICE" --out "${tables[@]}"
shopt -s nullglob
logs=("$OUT"/*.log) scored=("$WORK"/*.table.npz)
tar cf "$OUT/tables.tar" -C "$OUT" "${logs[@]##*/}" -C "$WORK" "${scored[@]##*/}" && rm -f "${logs[@]}"
ls -la "$OUT"

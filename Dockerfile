# CPU-only, offline-capable image: the embedding model and tokenizer come from pip packages,
# nothing is downloaded at run time.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends catdoc \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/ragkb
COPY pyproject.toml README.md ./
COPY app ./app
COPY ingest ./ingest
COPY retrieval ./retrieval
COPY grounding ./grounding
COPY guardrails ./guardrails
COPY evaluation ./evaluation
COPY data ./data

# torch is pinned as in pyproject.toml and comes from PyTorch's CPU-only wheel index (the default index's
# build brings several GB of CUDA libraries); installing it first keeps `pip install .` from replacing it.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN pip install --no-cache-dir --index-url "$TORCH_INDEX" "torch==2.13.0" \
    && pip install --no-cache-dir .

ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    RAGKB_HOME=/var/lib/ragkb
VOLUME /var/lib/ragkb

ENTRYPOINT ["ragkb"]
CMD ["chunk", "data/sample"]

# Two commands do all the set-up on a fresh machine:
#   make run   - create .venv, install what running needs, sync the sample data into the knowledge base
#                'sample', query it, serve it
#   make test  - create .venv, install with dev tools, lint, type-check and run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# PyTorch's CPU-only wheel index: the public index's torch is the CUDA build (a larger wheel plus
# several GB of nvidia-* packages). Where it is unreachable (offline mirrors, a local wheel in pip's
# find-links), pip's own configuration decides; a short timeout keeps that fallback fast.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_PIN   := torch==2.13.0
TORCH_STAMP := $(VENV)/.installed-torch
RUN_STAMP   := $(VENV)/.installed-run
DEV_STAMP   := $(VENV)/.installed-dev

.PHONY: install install-dev run test test-fast lint check-install bench bench-llamaindex clean

# $(call install_torch,<venv bin dir>): the pinned torch, CPU build first (it is also pinned in pyproject.toml;
# installing it first keeps pip from resolving the CUDA build for sentence-transformers).
define install_torch
	$(1)/pip install --quiet --timeout 5 --retries 0 --index-url "$(TORCH_INDEX)" "$(TORCH_PIN)" \
	  || { echo "$(TORCH_INDEX) unreachable: installing $(TORCH_PIN) from pip's configured index"; \
	       $(1)/pip install --quiet "$(TORCH_PIN)"; }
endef

$(TORCH_STAMP): Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(call install_torch,$(BIN))
	touch $@

# What running needs (pyproject's dependencies only).
$(RUN_STAMP): pyproject.toml $(TORCH_STAMP)
	$(BIN)/pip install --quiet -e .
	touch $@

# The same plus the dev tools (pytest, mypy, ruff, boto3, schemathesis).
$(DEV_STAMP): pyproject.toml $(TORCH_STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)

install-dev: $(DEV_STAMP)

run: install
	HF_HUB_OFFLINE=1 $(BIN)/ragkb sync data/sample --kb sample
	HF_HUB_OFFLINE=1 $(BIN)/ragkb retrieve "How many vacation days do employees get?" --kb sample -k 2
	@echo "Serving on http://127.0.0.1:8000 (API docs: /docs). Ctrl-C to stop."
	HF_HUB_OFFLINE=1 $(BIN)/ragkb serve

lint: install-dev
	$(BIN)/ruff check app ingest retrieval grounding guardrails evaluation tests bench data scripts
	$(BIN)/mypy

test: lint
	HF_HUB_OFFLINE=1 $(BIN)/pytest

test-fast: install-dev
	HF_HUB_OFFLINE=1 $(BIN)/pytest -m "not slow"

# A plain install as a new user gets it: the files the Dockerfile copies, `pip install .` without extras in a
# throw-away venv, then `ragkb --help`, a sync and a retrieve of data/sample, and a grounding check. CI runs it
# (.ci/run).
PLAIN := /tmp/ragkb-plain-install
check-install:
	rm -rf $(PLAIN) && mkdir -p $(PLAIN)/src
	cp -r pyproject.toml README.md app ingest retrieval grounding guardrails evaluation $(PLAIN)/src/
	$(PYTHON) -m venv $(PLAIN)/venv
	$(call install_torch,$(PLAIN)/venv/bin)
	$(PLAIN)/venv/bin/pip install --quiet $(PLAIN)/src
	cd $(PLAIN) && export HF_HUB_OFFLINE=1 RAGKB_HOME=$(PLAIN)/home RAGKB_DATA_ROOTS='["$(CURDIR)"]' \
	  && venv/bin/ragkb --help >/dev/null \
	  && venv/bin/ragkb sync "$(CURDIR)/data/sample" --kb sample \
	  && venv/bin/ragkb retrieve "How many vacation days do employees get?" --kb sample -k 1 --json \
	     | grep -q '"score"' \
	  && venv/bin/ragkb check --query "Capital of Japan?" --answer "Tokyo." --source "Tokyo is the capital of Japan." \
	     --json | grep -q '"blocked"'
	rm -rf $(PLAIN)
	@echo "plain install: ok"

# The speed benchmarks (docs/benchmarks.md); about 1.5 hours on 2 cores, mostly the 1M-chunk query case.
bench: install-dev
	$(BIN)/python bench/ingestion/bench_parse.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/ingestion/bench_sync.py --dataset scifact docs-corpus
	HF_HUB_OFFLINE=1 $(BIN)/python bench/search/bench_index.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/search/bench_query.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/checks/bench_grounding_latency.py

# LlamaIndex's ingestion pipeline on the same folders, in its own environment (see pyproject's bench extra).
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(call install_torch,$(BENCH_VENV)/bin)
	$(BENCH_VENV)/bin/pip install --quiet -e '.[bench]'
	touch $(BENCH_VENV)/.installed

bench-llamaindex: $(BENCH_VENV)/.installed
	HF_HUB_OFFLINE=1 $(BENCH_VENV)/bin/python bench/ingestion/bench_llamaindex.py --dataset scifact docs-corpus

clean:
	rm -rf $(VENV) $(BENCH_VENV) .pytest_cache .mypy_cache .ruff_cache

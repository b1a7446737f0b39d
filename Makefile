# Two commands do all the set-up on a fresh machine:
#   make run   - create .venv, install, sync the sample data into the knowledge base 'sample', query it, serve it
#   make test  - create .venv, install with dev tools, lint, type-check and run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test test-fast lint bench bench-llamaindex clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch is pinned in pyproject.toml (2.13.0, CPU wheel); installing it first keeps pip from
	# resolving a CUDA build for sentence-transformers.
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	HF_HUB_OFFLINE=1 $(BIN)/ragkb sync data/sample --kb sample
	HF_HUB_OFFLINE=1 $(BIN)/ragkb retrieve "How many vacation days do employees get?" --kb sample -k 2
	@echo "Serving on http://127.0.0.1:8000 (API docs: /docs). Ctrl-C to stop."
	HF_HUB_OFFLINE=1 $(BIN)/ragkb serve

lint: install
	$(BIN)/ruff check app ingest retrieval grounding tests bench data scripts
	$(BIN)/mypy

test: lint
	HF_HUB_OFFLINE=1 $(BIN)/pytest

test-fast: install
	HF_HUB_OFFLINE=1 $(BIN)/pytest -m "not slow"

# The speed benchmarks (docs/benchmarks.md); about 1.5 hours on 2 cores, mostly the 1M-chunk query case.
bench: install
	$(BIN)/python bench/bench_parse.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/bench_sync.py --dataset scifact docs-corpus
	HF_HUB_OFFLINE=1 $(BIN)/python bench/bench_index.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/bench_query.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/bench_grounding_latency.py

# LlamaIndex's ingestion pipeline on the same folders, in its own environment (see pyproject's bench extra).
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet "torch==2.13.0"
	$(BENCH_VENV)/bin/pip install --quiet -e '.[bench]'
	touch $(BENCH_VENV)/.installed

bench-llamaindex: $(BENCH_VENV)/.installed
	HF_HUB_OFFLINE=1 $(BENCH_VENV)/bin/python bench/bench_llamaindex.py --dataset scifact docs-corpus

clean:
	rm -rf $(VENV) $(BENCH_VENV) .pytest_cache .mypy_cache .ruff_cache

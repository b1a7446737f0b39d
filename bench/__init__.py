"""Benchmarks: each script prints a table and writes bench/results/<name>.json; commands and results are in docs/.

Run a script from the repository root: ``HF_HUB_OFFLINE=1 .venv/bin/python bench/<part>/<script>.py --help``.
"""

"""Tests of the evaluator's console: core, HTTP, stores and a real browser."""

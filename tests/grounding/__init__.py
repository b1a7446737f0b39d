"""Tests of the grounding and relevance checks and the evaluation metrics."""

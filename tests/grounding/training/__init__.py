"""Tests of the scripts that make the cross-encoder's training data and weights (``scripts/grounding/``)."""

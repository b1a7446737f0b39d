"""Tests of the guardrail policies and their store."""

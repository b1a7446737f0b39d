"""The guardrails library's errors: a policy configuration that breaks a rule."""

from __future__ import annotations


class GuardrailError(Exception):
    """Base of this package's errors."""


class InvalidPolicy(GuardrailError, ValueError):
    """A policy configuration that breaks a rule (an unknown type, a regex that does not compile, a limit)."""

"""The guardrails library's errors: a bad policy configuration, a policy the data cannot support."""

from __future__ import annotations


class GuardrailError(Exception):
    """Base of this package's errors."""


class InvalidPolicy(GuardrailError, ValueError):
    """A policy configuration that breaks a rule (an unknown type, a regex that does not compile, a limit)."""


class UnsupportedPolicy(GuardrailError, ValueError):
    """A valid Bedrock setting that ragkb does not implement (the message says why and what to do)."""

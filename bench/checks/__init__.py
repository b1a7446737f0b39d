"""The grounding check (quality, latency, adversarial suite, equivalence) and the guardrail policies."""

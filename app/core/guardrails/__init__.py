"""Guardrails as the service keeps and applies them: ``store`` (guardrails and their versions, in
guardrails.sqlite), ``config`` (Bedrock's policy configurations <-> ``guardrails.Policies``), ``apply``
(``apply_stored_guardrail``, the one entry every surface calls), ``policies`` (assessments in Bedrock's
shapes), ``cases`` (test cases and running them) and ``violations`` (the log of interventions).

The policy models themselves (PII, words, topics, content, prompt attacks) are the top-level ``guardrails``
library; this package is the service around them.
"""

"""The service's core, free of web and CLI frameworks: ``services`` (what a running service holds, and the one
way to open and authorise a knowledge base), ``wiring`` (settings choose implementations), ``jobs``, ``keys``
(API keys and principals), ``guardrails/`` (store, apply, test cases, violation log), ``grounding_checks``,
``views`` (domain objects as plain JSON), ``text_rules`` and ``errors`` (every app-level error, under
``AppError``). Used by ``app.http`` and ``app.cli``.
"""

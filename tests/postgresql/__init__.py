"""Tests of the PostgreSQL backend against a real server."""

"""Tests of the native REST API, its errors and its OpenAPI document."""

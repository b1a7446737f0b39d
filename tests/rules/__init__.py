"""Tests of the project's rules: layers, exports, packaging, frozen surfaces and settings."""

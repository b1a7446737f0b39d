"""Tests of the ragkb command line."""

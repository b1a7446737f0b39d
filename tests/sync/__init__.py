"""Tests of syncing folders, crashes, erasure, data roots, the registry and moving knowledge bases."""

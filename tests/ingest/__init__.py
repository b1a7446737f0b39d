"""Tests of parsing, chunking, sentences, tokens and metadata sidecars."""

"""Ingestion: parsing, syncs against a plain embedding loop, embedding variants, and peers (LlamaIndex, Haystack)."""

"""Tests of the knowledge base, its stores, embedding, filters, keyword search and reranking."""

"""Search: query latency in process and over HTTP, keyword engines, vector indexes, the CLI, retrieval and
answer quality, reranking."""

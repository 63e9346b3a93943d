"""Shared ingestion machinery: batches, rejects, idempotency, atomic landing."""

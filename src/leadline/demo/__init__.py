"""Synthetic, deterministic demo organisations, built through the real ingest paths."""

"""Balanced scorecard (KPIs with targets, RAG status, trend, owner) and the QBR report."""

"""Five-level maturity model per domain, reached from evidence (and optional answers)."""

"""FinOps and TBM: FOCUS cost ingestion, allocation, showback/chargeback, unit cost, budgets."""

"""Strategy: strategy on a page, OKRs with key results bound to live metrics, the 90-day plan."""

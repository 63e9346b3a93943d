"""Hand-written GitHub REST API responses (the shapes GitHub returns, trimmed) and helpers of
the GitHub tests."""

"""People and enablement: developer-experience surveys (SPACE), paved-road adoption."""

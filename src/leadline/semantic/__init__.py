"""The semantic layer: the metric registry, evaluations and the queries every surface asks."""

"""The lake: append-only facts in Parquet, partitioned by month, queried through Ibis."""

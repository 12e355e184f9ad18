"""The DuckDB warehouse: canonical tables, atomic loads, the ingest log."""

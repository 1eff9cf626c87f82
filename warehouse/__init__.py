"""The DuckDB warehouse: schema, loads, reconciliation rules and the atomic publish of the file."""

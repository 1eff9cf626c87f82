"""Source connectors: HTTP in, typed records out. Nothing here knows about DuckDB."""

-- The archive store: a DuckDB file of its own, beside the warehouse rather than inside it, because
-- the warehouse is copied and swapped on every run and the transactions are far too big for that.
-- Same layers as the warehouse: raw (as loaded) -> staging (per program and year); meta records loads.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS meta;

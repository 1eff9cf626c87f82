-- USAspending obligations per program for every fiscal year the archive store holds, not just the
-- run's: in archive mode, never_reported asks whether a program reported in *any* year the store
-- knows. Filled by the archive load for the run's programs; empty in API mode (the API path holds
-- only the years it fetched, which are in staging.usaspending_program_year already).
CREATE TABLE IF NOT EXISTS staging.usaspending_all_years (
    run_id         VARCHAR NOT NULL,
    program_number VARCHAR NOT NULL,
    fiscal_year    INTEGER NOT NULL,
    usaspending_obligations DECIMAL(18,2)
);

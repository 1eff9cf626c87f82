-- One row per run, succeeded or failed. Times are UTC.
CREATE TABLE IF NOT EXISTS meta.runs (
    run_id               VARCHAR PRIMARY KEY,
    started_at           TIMESTAMP NOT NULL,
    finished_at          TIMESTAMP,
    status               VARCHAR NOT NULL,      -- succeeded | failed
    mode                 VARCHAR NOT NULL,      -- demo | live
    fiscal_years         INTEGER[],
    programs             VARCHAR[],             -- the --programs filter, NULL for every program
    sam_source           VARCHAR,               -- base URL (never the key), or 'demo bundle'
    usaspending_source   VARCHAR,
    sam_requests         INTEGER,               -- HTTP attempts, retries included (they count against the daily quota)
    usaspending_requests INTEGER,
    sam_listings         INTEGER,
    usaspending_rows     INTEGER,
    program_years        INTEGER,               -- rows of recon.program_year after the run
    findings_open        INTEGER,               -- new + open after the run
    findings_new         INTEGER,
    findings_resolved    INTEGER,               -- resolved by this run
    warnings             VARCHAR[],
    error                VARCHAR                -- why a failed run failed
);

-- The rule and explanation settings the run used, after spendrecon.yaml's overrides (warehouse/runs.py
-- run_settings); NULL for runs older than the column and for runs that failed before reconciling.
ALTER TABLE meta.runs ADD COLUMN IF NOT EXISTS settings JSON;

-- The run date the run judged timing by (`spendrecon run --as-of`, else the day it started): which
-- fiscal years were complete, partial_year. NULL for runs older than the column: their started_at day.
ALTER TABLE meta.runs ADD COLUMN IF NOT EXISTS as_of DATE;

-- The run recorded what its report read as versions (warehouse/versions.py: recon.finding_versions and
-- its neighbours), so `spendrecon report --run-id` rebuilds that report as it was written. NULL for runs
-- of releases before the versions and for failed runs: an earlier run's report is then rebuilt from its
-- findings' events, and says so.
ALTER TABLE meta.runs ADD COLUMN IF NOT EXISTS versioned BOOLEAN;

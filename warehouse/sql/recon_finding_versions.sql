-- Every finding's attributes as runs left them, kept as changes (like recon.figure_history, a dbt
-- snapshot): a row holds one finding's columns of recon.findings from the run that first left them so
-- (valid_from_run) until the run that changed them (valid_to_run, exclusive; NULL while current). A run
-- that changes nothing about a finding adds nothing: the table grows with changes, not runs.
-- `spendrecon report --run-id` rebuilds an earlier run's findings from the versions valid at that run
-- (warehouse/sql/as_of_versions.sql), so its findings.csv and summary.md are the ones the run wrote.
-- What every run changes is kept out: while each run of a version saw the finding (its rule hit it),
-- run_id and last_seen_run_id are that run's own id and status is new (first seen then), reopened (a
-- reopened event then) or open; the version then holds NULL in the three (recon_finding_versions_now.sql).
-- Reviews given with `annotate` between runs reach the versions with the next run (a version is of a run).
CREATE TABLE IF NOT EXISTS recon.finding_versions (
    program_number     VARCHAR NOT NULL,
    fiscal_year        INTEGER NOT NULL,
    rule_id            VARCHAR NOT NULL,
    run_id             VARCHAR,                 -- NULL: the run's own (it saw the finding)
    status             VARCHAR,                 -- NULL: new, reopened or open, as that run's events say
    first_seen_run_id  VARCHAR NOT NULL,
    last_seen_run_id   VARCHAR,                 -- NULL: the run's own
    severity           VARCHAR NOT NULL,
    sam_amount         DECIMAL(18,2),
    usaspending_amount DECIMAL(18,2),
    difference         DECIMAL(18,2),
    at_stake           DECIMAL(18,2),
    sam_figure         VARCHAR,
    message            VARCHAR NOT NULL,
    explanation        VARCHAR,
    explanation_reason VARCHAR,
    triage             VARCHAR,
    review_status      VARCHAR,
    review_note        VARCHAR,
    review_stale       BOOLEAN,
    stale_review       VARCHAR,
    rule_disabled      BOOLEAN,
    out_of_window      BOOLEAN,
    valid_from_run     VARCHAR NOT NULL,
    valid_to_run       VARCHAR
);

-- USAspending obligations per program and fiscal year. `usaspending_obligations` is the sum of
-- generated_pragmatic_obligation (subsidy cost for loans), as the search API computes it.
-- The loan and count columns are filled only from the Award Data Archive (usaspending.mode: archive).
CREATE TABLE IF NOT EXISTS staging.usaspending_program_year (
    run_id             VARCHAR NOT NULL,
    program_number     VARCHAR NOT NULL,
    fiscal_year        INTEGER NOT NULL,
    program_title      VARCHAR,
    usaspending_obligations DECIMAL(18,2),
    source             VARCHAR NOT NULL,   -- api | archive
    federal_action_obligation DECIMAL(18,2),
    loan_face_value    DECIMAL(18,2),
    loan_subsidy_cost  DECIMAL(18,2),
    transaction_count  BIGINT,
    award_count        BIGINT
);

-- A program-year the source no longer returned this run: kept as last reported (run_id names that run).
ALTER TABLE staging.usaspending_program_year ADD COLUMN IF NOT EXISTS carried_forward BOOLEAN;
-- Asked and absent: a fiscal year the run asked for (a complete answer) no longer holds this program-year.
-- The row then has no figures (NULL, with this run's run_id: a statement) and names here the run that last
-- reported one; NULL on rows that carry a figure.
ALTER TABLE staging.usaspending_program_year ADD COLUMN IF NOT EXISTS last_reported_run VARCHAR;

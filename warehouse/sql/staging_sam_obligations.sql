-- SAM.gov obligation lines: one row per listing, assistance type and fiscal year, as reported.
-- NULL means the listing gave no figure; 0 means it said 0.
CREATE TABLE IF NOT EXISTS staging.sam_obligations (
    run_id               VARCHAR NOT NULL,
    program_number       VARCHAR NOT NULL,
    program_id           VARCHAR,
    fiscal_year          INTEGER NOT NULL,
    assistance_type_code VARCHAR,
    assistance_type_name VARCHAR,
    sam_actual           DECIMAL(18,2),
    sam_estimate         DECIMAL(18,2),
    is_recovery_act      BOOLEAN
);

-- grant | direct_payment | direct_loan | loan_guarantee | insurance | other_financial |
-- non_financial | salaries_and_expenses (warehouse/assistance_types.py); NULL if the code is unknown.
ALTER TABLE staging.sam_obligations ADD COLUMN IF NOT EXISTS assistance_family VARCHAR;

-- A line the source did not restate this run (its listing no longer carries that fiscal year, or the
-- listing is gone): kept as last reported, with run_id still naming the run it came from.
ALTER TABLE staging.sam_obligations ADD COLUMN IF NOT EXISTS carried_forward BOOLEAN;

-- The listing of this line was renumbered: its figures moved to that number with it and no longer count
-- under this one (kept so the old number's program-years can say where they went).
ALTER TABLE staging.sam_obligations ADD COLUMN IF NOT EXISTS renumbered_to VARCHAR;

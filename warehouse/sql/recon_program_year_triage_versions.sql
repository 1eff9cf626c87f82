-- recon.program_year_triage as runs left it, kept as changes like recon.finding_versions: each
-- program-year's one amount at stake and one bucket (and its explanation, severity, open findings and
-- their rules) from valid_from_run until valid_to_run (exclusive; NULL while current). A program-year
-- whose findings all closed closes its version. An earlier run's report reads its totals from here.
CREATE TABLE IF NOT EXISTS recon.program_year_triage_versions (
    program_number VARCHAR NOT NULL,
    fiscal_year    INTEGER NOT NULL,
    triage         VARCHAR,
    explanation    VARCHAR,
    at_stake       DECIMAL(18,2),
    severity       VARCHAR,
    findings       BIGINT,
    rule_ids       VARCHAR[],
    valid_from_run VARCHAR NOT NULL,
    valid_to_run   VARCHAR
);

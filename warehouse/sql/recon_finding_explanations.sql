-- Every explanation that applies to a current finding (a finding can have several; the one with the
-- primary one is copied to recon.findings.explanation, see explanations.yaml).
CREATE TABLE IF NOT EXISTS recon.finding_explanations (
    program_number      VARCHAR NOT NULL,
    fiscal_year         INTEGER NOT NULL,
    rule_id             VARCHAR NOT NULL,
    explanation         VARCHAR NOT NULL,
    priority            INTEGER NOT NULL,
    reason              VARCHAR NOT NULL,
    related_fiscal_year INTEGER,               -- fiscal_year_shift: the year the money appears in
    closes_gap          BOOLEAN,               -- the explanation accounts for the gap within tolerance
    run_id              VARCHAR NOT NULL
);

-- Added with the triage (older files gain the columns on their next run).
ALTER TABLE recon.finding_explanations ADD COLUMN IF NOT EXISTS kind VARCHAR;                    -- legitimate | non_reporting
ALTER TABLE recon.finding_explanations ADD COLUMN IF NOT EXISTS related_program_number VARCHAR;  -- reported_under_other_aln: the other ALN

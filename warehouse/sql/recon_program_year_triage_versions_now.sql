-- What recon.program_year_triage_versions records of this run (warehouse/versions.py): the table as
-- the run built it.
CREATE OR REPLACE TEMP TABLE versions_now AS
SELECT program_number, fiscal_year, triage, explanation, at_stake, severity, findings, rule_ids
FROM recon.program_year_triage;

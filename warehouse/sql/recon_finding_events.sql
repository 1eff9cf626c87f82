-- Every status change of every finding, with the run where it happened: the findings' history.
CREATE TABLE IF NOT EXISTS recon.finding_events (
    run_id             VARCHAR NOT NULL,
    program_number     VARCHAR NOT NULL,
    fiscal_year        INTEGER NOT NULL,
    rule_id            VARCHAR NOT NULL,
    event              VARCHAR NOT NULL,        -- new | resolved | reopened
    sam_amount         DECIMAL(18,2),
    usaspending_amount DECIMAL(18,2)
);

-- Why a finding resolved (NULL for other events): a change of a figure the rule reads since the
-- finding was last seen (recon_findings_merge.sql), the most specific true cause first:
-- late_reporting (USAspending now records money where it had none), sam_reported (a SAM.gov line gave
-- its first figure: a first report, e.g. the actual that closes estimate_only), sam_restated /
-- usaspending_restated (the source changed a figure it had), within_tolerance (amount_mismatch with no
-- figure changed: the gap is within the rule's tolerance), explained (an explanation that closes the
-- gap now applies), no_longer_applies (none of these: e.g. the rule's settings changed).
ALTER TABLE recon.finding_events ADD COLUMN IF NOT EXISTS reason VARCHAR;

-- Every status change of every finding, with the run where it happened: the findings' history.
CREATE TABLE IF NOT EXISTS recon.finding_events (
    run_id             VARCHAR NOT NULL,
    program_number     VARCHAR NOT NULL,
    fiscal_year        INTEGER NOT NULL,
    rule_id            VARCHAR NOT NULL,
    event              VARCHAR NOT NULL,        -- new | resolved | reopened | severity_changed
    sam_amount         DECIMAL(18,2),
    usaspending_amount DECIMAL(18,2)
);

-- Why a finding resolved or reopened (the cause, recon_findings_merge.sql lists them in order: renumbered,
-- late_reporting, sam_reported, sam_restated, usaspending_restated, settings_changed, year_completed,
-- repair; for resolutions within_tolerance, explained, no_longer_applies), or for severity_changed the
-- change ('error -> warning'); NULL for new findings, and for a reopening with no cause.
ALTER TABLE recon.finding_events ADD COLUMN IF NOT EXISTS reason VARCHAR;
-- What the cause was, in words, where the reason alone does not say: for settings_changed the setting
-- ('rules.amount_mismatch: rel_tolerance 0.05 -> 0.5'); NULL otherwise.
ALTER TABLE recon.finding_events ADD COLUMN IF NOT EXISTS reason_detail VARCHAR;
-- For a resolution or a reopening, the run whose figures (or settings, or run date) caused it: this run
-- for a rule that runs every run; an earlier run when the rule was switched off in between, the event
-- itself being recorded in the run that switched it back on (a past report stays as it was written).
-- NULL for other events, a cause found in no run (within_tolerance, explained, no_longer_applies, none),
-- and events written before the column.
ALTER TABLE recon.finding_events ADD COLUMN IF NOT EXISTS cause_run_id VARCHAR;

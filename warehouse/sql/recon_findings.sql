-- Findings persist across runs, one row per (program, fiscal year, rule). A finding that stops
-- appearing becomes 'resolved' instead of being deleted; first_seen_run_id never changes.
CREATE TABLE IF NOT EXISTS recon.findings (
    run_id             VARCHAR NOT NULL,        -- the run that set the current status
    program_number     VARCHAR NOT NULL,
    fiscal_year        INTEGER NOT NULL,
    rule_id            VARCHAR NOT NULL,
    severity           VARCHAR NOT NULL,        -- error | warning | info
    sam_amount         DECIMAL(18,2),
    usaspending_amount DECIMAL(18,2),
    difference         DECIMAL(18,2),           -- sam_amount - usaspending_amount, NULL if either is NULL
    message            VARCHAR NOT NULL,
    status             VARCHAR NOT NULL,        -- new | open | reopened | resolved
    first_seen_run_id  VARCHAR NOT NULL,
    last_seen_run_id   VARCHAR NOT NULL,
    PRIMARY KEY (program_number, fiscal_year, rule_id)
);

-- Added with explanations and the analyst's review (older files gain the columns on their next run).
ALTER TABLE recon.findings ADD COLUMN IF NOT EXISTS explanation VARCHAR;          -- primary explanation id, NULL if none
ALTER TABLE recon.findings ADD COLUMN IF NOT EXISTS explanation_reason VARCHAR;   -- one sentence
ALTER TABLE recon.findings ADD COLUMN IF NOT EXISTS review_status VARCHAR;        -- accepted | disputed | needs-review (from recon.annotations)
ALTER TABLE recon.findings ADD COLUMN IF NOT EXISTS review_note VARCHAR;
-- Added with the triage: legitimate | non_reporting | lead (see warehouse/explanations/explanations.yaml).
ALTER TABLE recon.findings ADD COLUMN IF NOT EXISTS triage VARCHAR;
-- The finding's rule is disabled (rules.<id>.enabled: false): the finding is left as it was, not resolved.
ALTER TABLE recon.findings ADD COLUMN IF NOT EXISTS rule_disabled BOOLEAN;
-- The dollars the finding puts at stake (macro at_stake in macros.sql), kept with its figures so that
-- views and plain readers need no macro; filled in for rows from before the column.
ALTER TABLE recon.findings ADD COLUMN IF NOT EXISTS at_stake DECIMAL(18,2);
-- The finding's fiscal year is outside the window of the latest run (it left the default rolling window,
-- or a run asked for other years): the finding is kept as it was, not resolved, but no longer counted
-- as open anywhere (macro counts_as_open) until a run covers its year again.
ALTER TABLE recon.findings ADD COLUMN IF NOT EXISTS out_of_window BOOLEAN;
-- Which SAM.gov figure sam_amount is: actual | estimate (the rule's sam_figure in rules.yaml).
ALTER TABLE recon.findings ADD COLUMN IF NOT EXISTS sam_figure VARCHAR;
-- Whether the latest review still applies (recon_findings_review.sql): review_stale says it does not (the
-- finding's difference moved past the review tolerance, it reopened, or it did not exist when the review
-- was given), and stale_review says what the review was ("accepted at $1,000,000.00 on 2026-11-27; now
-- $7,100,000.00"); review_status is then needs-review. NULL when the finding has no review.
ALTER TABLE recon.findings ADD COLUMN IF NOT EXISTS review_stale BOOLEAN;
ALTER TABLE recon.findings ADD COLUMN IF NOT EXISTS stale_review VARCHAR;
UPDATE recon.findings SET at_stake = at_stake(difference, sam_amount, usaspending_amount) WHERE at_stake IS NULL;

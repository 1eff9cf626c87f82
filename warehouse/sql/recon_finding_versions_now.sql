-- What recon.finding_versions records of this run (warehouse/versions.py compares it with the current
-- versions): every finding's columns, except that while the run saw the finding (its rule hit it) run_id,
-- status and last_seen_run_id are NULL - exactly when a reader derives them back as they are: the run's
-- own id, and new (first seen by the run), reopened (the run reopened it) or open. So a finding that
-- stays as it was adds no version, though each run that sees it moves those three.
-- Parameter: $run_id
CREATE OR REPLACE TEMP TABLE versions_now AS
WITH reopened AS (
    SELECT DISTINCT program_number, fiscal_year, rule_id
    FROM recon.finding_events
    WHERE run_id = $run_id AND event = 'reopened'
),
marked AS (
    SELECT f.*,
           f.run_id = $run_id AND f.last_seen_run_id = $run_id
           AND f.status = CASE WHEN f.first_seen_run_id = $run_id THEN 'new'
                               WHEN r.rule_id IS NOT NULL THEN 'reopened'
                               ELSE 'open' END AS seen
    FROM recon.findings AS f
    LEFT JOIN reopened AS r USING (program_number, fiscal_year, rule_id)
)
SELECT program_number, fiscal_year, rule_id,
       CASE WHEN NOT seen THEN run_id END AS run_id,
       CASE WHEN NOT seen THEN status END AS status,
       first_seen_run_id,
       CASE WHEN NOT seen THEN last_seen_run_id END AS last_seen_run_id,
       severity, sam_amount, usaspending_amount, difference, at_stake, sam_figure, message, explanation,
       explanation_reason, triage, review_status, review_note, review_stale, stale_review, rule_disabled,
       out_of_window
FROM marked;

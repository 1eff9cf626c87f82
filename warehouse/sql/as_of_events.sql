-- After as_of_runs.sql, for a run that recorded no versions (meta.runs.versioned; runs of releases
-- before them): each finding takes the status and amounts its last event up to run $run_id gave it, and
-- the triage recon.finding_triage_changes logged; the rest of it (message, severity, review) stays as it
-- is now, and summary.md says so (warehouse/as_of.py).
-- Parameter: $run_id
CREATE OR REPLACE TEMP TABLE as_of_findings AS
WITH ordered AS (
    SELECT e.*,
           row_number() OVER (PARTITION BY e.program_number, e.fiscal_year, e.rule_id
                              ORDER BY r.started_at DESC, e.run_id DESC) AS latest,
           first_value(e.run_id) OVER (PARTITION BY e.program_number, e.fiscal_year, e.rule_id
                                       ORDER BY r.started_at, e.run_id) AS first_run
    FROM recon.finding_events AS e
    JOIN as_of_runs AS r USING (run_id)
)
SELECT program_number, fiscal_year, rule_id, event, run_id AS event_run, sam_amount, usaspending_amount,
       first_run,
       (SELECT max(b.run_id) FROM as_of_runs AS b
        WHERE b.started_at < (SELECT started_at FROM as_of_runs AS x WHERE x.run_id = o.run_id)) AS run_before
FROM ordered AS o
WHERE latest = 1;

DELETE FROM recon.findings AS f
WHERE NOT EXISTS (
    SELECT 1 FROM as_of_findings AS a
    WHERE a.program_number = f.program_number AND a.fiscal_year = f.fiscal_year AND a.rule_id = f.rule_id
);

UPDATE recon.findings AS f
SET status = CASE
                 WHEN a.event = 'resolved' THEN 'resolved'
                 WHEN a.event_run <> $run_id THEN 'open'
                 ELSE a.event
             END,
    run_id = CASE WHEN a.event = 'resolved' THEN a.event_run ELSE $run_id END,
    difference = CASE
                     WHEN a.sam_amount IS NOT DISTINCT FROM f.sam_amount
                      AND a.usaspending_amount IS NOT DISTINCT FROM f.usaspending_amount THEN f.difference
                     ELSE (a.sam_amount - a.usaspending_amount)::DECIMAL(18,2)
                 END,
    sam_amount = a.sam_amount,
    usaspending_amount = a.usaspending_amount,
    first_seen_run_id = a.first_run,
    last_seen_run_id = CASE WHEN a.event = 'resolved' THEN coalesce(a.run_before, a.event_run) ELSE $run_id END
FROM as_of_findings AS a
WHERE a.program_number = f.program_number AND a.fiscal_year = f.fiscal_year AND a.rule_id = f.rule_id;

-- The triage and primary explanation the finding had at that run, where logged (files older than
-- recon.finding_triage_changes keep the latest).
UPDATE recon.findings AS f
SET triage = t.triage, explanation = t.explanation, explanation_reason = t.explanation_reason
FROM (SELECT * FROM recon.finding_triage_changes
      WHERE run_id IN (SELECT run_id FROM as_of_runs)
      QUALIFY row_number() OVER (PARTITION BY program_number, fiscal_year, rule_id
                                 ORDER BY run_id DESC) = 1) AS t
WHERE t.program_number = f.program_number AND t.fiscal_year = f.fiscal_year AND t.rule_id = f.rule_id;

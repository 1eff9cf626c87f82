-- Merge this run's rule hits (temp table findings_current) into the persistent recon.findings.
-- In scope ($fiscal_years x $programs, rules $rule_ids): a hit seen before stays with its first
-- run and becomes open; a hit not seen before is new; a resolved finding that reappears is reopened;
-- an earlier finding with no hit now is resolved, never deleted. Explanations are replaced in scope.
-- $rule_ids holds the enabled rules only: a disabled rule's findings are left as they were (marked
-- rule_disabled), since switching a rule off changes nothing in the data.

INSERT INTO recon.finding_events (run_id, program_number, fiscal_year, rule_id, event, sam_amount, usaspending_amount)
SELECT $run_id, c.program_number, c.fiscal_year, c.rule_id,
       CASE WHEN f.rule_id IS NULL THEN 'new' ELSE 'reopened' END,
       c.sam_amount, c.usaspending_amount
FROM findings_current AS c
LEFT JOIN recon.findings AS f USING (program_number, fiscal_year, rule_id)
WHERE f.rule_id IS NULL OR f.status = 'resolved';

-- A finding still open whose severity changed (a spendrecon.yaml override): an event of its own, so a
-- change of severity is never silent.
INSERT INTO recon.finding_events (run_id, program_number, fiscal_year, rule_id, event, sam_amount, usaspending_amount, reason)
SELECT $run_id, c.program_number, c.fiscal_year, c.rule_id, 'severity_changed', c.sam_amount, c.usaspending_amount,
       f.severity || ' -> ' || c.severity
FROM findings_current AS c
JOIN recon.findings AS f USING (program_number, fiscal_year, rule_id)
WHERE f.status <> 'resolved' AND f.severity IS DISTINCT FROM c.severity;

-- Earlier findings in scope that this run did not hit: they are resolved, with the reason the data
-- gives (recon_finding_events.sql lists the reasons; the first that applies wins). A source restated
-- when a version of its figure closed after the finding was last seen (run ids sort by time).
CREATE OR REPLACE TEMP TABLE findings_gone AS
SELECT f.program_number, f.fiscal_year, f.rule_id, f.sam_amount, f.usaspending_amount,
       CASE
           WHEN coalesce(f.usaspending_amount, 0) = 0 AND coalesce(p.usaspending_obligations, 0) <> 0
               THEN 'late_reporting'
           WHEN f.rule_id = 'amount_mismatch' AND coalesce(p.sam_actual, 0) <> 0
                AND coalesce(p.usaspending_obligations, 0) <> 0
               THEN 'within_tolerance'
           WHEN EXISTS (SELECT 1 FROM recon.figure_history AS h
                        WHERE h.source = 'sam' AND h.line = 'total' AND h.valid_to_run > f.last_seen_run_id
                          AND h.program_number = f.program_number AND h.fiscal_year = f.fiscal_year)
               THEN 'sam_restated'
           WHEN EXISTS (SELECT 1 FROM recon.figure_history AS h
                        WHERE h.source = 'usaspending' AND h.line = 'total' AND h.valid_to_run > f.last_seen_run_id
                          AND h.program_number = f.program_number AND h.fiscal_year = f.fiscal_year)
               THEN 'usaspending_restated'
           WHEN EXISTS (SELECT 1 FROM explanations_current AS e
                        WHERE e.program_number = f.program_number AND e.fiscal_year = f.fiscal_year AND e.closes_gap)
               THEN 'explained'
           ELSE 'no_longer_applies'
       END AS reason
FROM recon.findings AS f
LEFT JOIN recon.program_year AS p USING (program_number, fiscal_year)
WHERE f.status <> 'resolved'
  AND in_scope($fiscal_years, $programs, f.fiscal_year, f.program_number)
  AND list_contains($rule_ids, f.rule_id)
  AND NOT EXISTS (
      SELECT 1 FROM findings_current AS c
      WHERE c.program_number = f.program_number AND c.fiscal_year = f.fiscal_year AND c.rule_id = f.rule_id
  );

INSERT INTO recon.finding_events
    (run_id, program_number, fiscal_year, rule_id, event, sam_amount, usaspending_amount, reason)
SELECT $run_id, program_number, fiscal_year, rule_id, 'resolved', sam_amount, usaspending_amount, reason
FROM findings_gone;

UPDATE recon.findings AS f
SET status = 'resolved', run_id = $run_id
FROM findings_gone AS g
WHERE f.program_number = g.program_number AND f.fiscal_year = g.fiscal_year AND f.rule_id = g.rule_id;

-- Triage and primary explanation that differ from what the finding last had (or were never logged).
INSERT INTO recon.finding_triage_changes
    (run_id, program_number, fiscal_year, rule_id, triage, explanation, explanation_reason)
SELECT $run_id, c.program_number, c.fiscal_year, c.rule_id, c.triage, c.explanation, c.explanation_reason
FROM findings_current AS c
LEFT JOIN (SELECT * FROM recon.finding_triage_changes
           QUALIFY row_number() OVER (PARTITION BY program_number, fiscal_year, rule_id ORDER BY run_id DESC) = 1
          ) AS t USING (program_number, fiscal_year, rule_id)
WHERE t.rule_id IS NULL
   OR c.triage IS DISTINCT FROM t.triage
   OR c.explanation IS DISTINCT FROM t.explanation
   OR c.explanation_reason IS DISTINCT FROM t.explanation_reason;

INSERT INTO recon.findings
    (run_id, program_number, fiscal_year, rule_id, severity, sam_amount, usaspending_amount, difference,
     message, status, first_seen_run_id, last_seen_run_id, explanation, explanation_reason, triage, at_stake)
SELECT $run_id, program_number, fiscal_year, rule_id, severity, sam_amount, usaspending_amount, difference,
       message, 'new', $run_id, $run_id, explanation, explanation_reason, triage,
       at_stake(difference, sam_amount, usaspending_amount)
FROM findings_current
ON CONFLICT (program_number, fiscal_year, rule_id) DO UPDATE SET
    run_id = excluded.run_id,
    severity = excluded.severity,
    sam_amount = excluded.sam_amount,
    usaspending_amount = excluded.usaspending_amount,
    difference = excluded.difference,
    at_stake = excluded.at_stake,
    message = excluded.message,
    status = CASE WHEN status = 'resolved' THEN 'reopened' ELSE 'open' END,
    last_seen_run_id = excluded.last_seen_run_id,
    explanation = excluded.explanation,
    explanation_reason = excluded.explanation_reason,
    triage = excluded.triage;

-- A year outside this run's window: its findings stay as they were, marked, and stop counting as open.
UPDATE recon.findings
SET out_of_window = NOT list_contains($fiscal_years, fiscal_year)
WHERE out_of_window IS DISTINCT FROM (NOT list_contains($fiscal_years, fiscal_year));

UPDATE recon.findings
SET rule_disabled = NOT list_contains($rule_ids, rule_id)
WHERE rule_disabled IS DISTINCT FROM (NOT list_contains($rule_ids, rule_id));

DELETE FROM recon.finding_explanations
WHERE in_scope($fiscal_years, $programs, fiscal_year, program_number)
  AND list_contains($rule_ids, rule_id);

INSERT INTO recon.finding_explanations
    (program_number, fiscal_year, rule_id, explanation, priority, reason, related_fiscal_year, closes_gap, run_id,
     kind, related_program_number)
SELECT program_number, fiscal_year, rule_id, explanation, priority, reason, related_fiscal_year, closes_gap, $run_id,
       kind, related_program_number
FROM explanations_current;

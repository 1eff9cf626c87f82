-- Merge this run's rule hits (temp table findings_current) into the persistent recon.findings.
-- In scope ($fiscal_years x $programs, rules $rule_ids): a hit seen before stays with its first
-- run and becomes open; a hit not seen before is new; a resolved finding that reappears is reopened;
-- an earlier finding with no hit now is resolved, never deleted. Explanations are replaced in scope.
-- $rule_ids holds the enabled rules only: a disabled rule's findings are left as they were (marked
-- rule_disabled), since switching a rule off changes nothing in the data.

-- The findings whose status this run changes: hits of findings that were resolved (they reopen) and
-- earlier findings in scope that this run did not hit (they resolve), each with the run it is compared
-- with: the last run that evaluated it - the latest succeeded run before this one whose scope covered the
-- program-year with the rule switched on (verify_resolutions_have_causes.sql's evaluated_run). A finding
-- that stayed resolved through runs that evaluated it is compared with the latest of them, not with the
-- run that resolved it: a cause is what changed since the rule last looked. A file whose runs do not say
-- (older releases) compares with the run that resolved it, or that last saw it.
CREATE OR REPLACE TEMP TABLE findings_flipped AS
WITH flipped AS (
    SELECT c.program_number, c.fiscal_year, c.rule_id, 'reopened' AS event, c.sam_amount, c.usaspending_amount,
           f.run_id AS status_run_id
    FROM findings_current AS c
    JOIN recon.findings AS f USING (program_number, fiscal_year, rule_id)
    WHERE f.status = 'resolved'
    UNION ALL
    SELECT f.program_number, f.fiscal_year, f.rule_id, 'resolved', f.sam_amount, f.usaspending_amount,
           f.last_seen_run_id
    FROM recon.findings AS f
    WHERE f.status <> 'resolved'
      AND in_scope($fiscal_years, $programs, f.fiscal_year, f.program_number)
      AND list_contains($rule_ids, f.rule_id)
      AND NOT EXISTS (
          SELECT 1 FROM findings_current AS c
          WHERE c.program_number = f.program_number AND c.fiscal_year = f.fiscal_year AND c.rule_id = f.rule_id
      )
)
SELECT g.* EXCLUDE (status_run_id),
       greatest(g.status_run_id,
                (SELECT max(r.run_id) FROM meta.runs AS r
                 WHERE r.status = 'succeeded' AND r.run_id < $run_id
                   AND list_contains(r.fiscal_years, g.fiscal_year)
                   AND program_in_scope(coalesce(r.programs, []), g.program_number)
                   AND coalesce(json_extract(r.settings, '$.rules.' || g.rule_id || '.enabled')::VARCHAR, 'true')
                       <> 'false')) AS since_run_id
FROM flipped AS g;

-- Why each flips: a resolution or a reopening states a cause that happened (recon_finding_events.sql
-- lists the reasons). A cause is a change of a figure the rule reads - SAM.gov's actual per
-- assistance-type line (and its estimates, for estimate_only), USAspending's obligations - between the
-- run it is compared with and now: each line's value then (the version current at since_run_id; run ids
-- sort by time) against its current value. For a rule that ran every run this is exactly the change this
-- run made; after runs with the rule disabled it is the net change since it was last evaluated, so a
-- figure changed and changed back, or a figure the rule does not read (an estimate for amount_mismatch),
-- is no cause. A line with no figure then (none, or NULL) and one now is a first report. Besides the
-- figures, a rule reads its settings ($settings_changed: the rules whose settings differ from the
-- previous run's) and whether the year is complete on the run date. The most specific true cause wins:
--   renumbered            SAM.gov renumbered the listing: its figures left for another number
--   late_reporting        USAspending has money where it had none (no figure, NULL or zero)
--   sam_reported          a SAM.gov line gave its first figure (e.g. the actual closing estimate_only)
--   sam_restated          a SAM.gov line that had a figure changed it (or withdrew it)
--   usaspending_restated  USAspending changed a figure it had
--   settings_changed      the rule's settings changed (a tolerance, a threshold, the rule switched back on)
--   year_completed        the fiscal year was running on the compared run's date and is over now (or back)
--   repair                none of these, in the run that repairs a warehouse an earlier release wrote
--   within_tolerance      (resolutions) amount_mismatch with none of the above: the gap is within tolerance
--   explained             (resolutions) an explanation that closes the gap now applies
--   no_longer_applies     (resolutions) none of these: verify's cause check fails on such a run
-- A reopening with none of these has no reason (NULL), and verify's cause check fails on it too.
-- The event is this run's; cause_run_id names the run the cause happened in: the run that last changed the
-- figure lines behind it since the compared run (for a rule that runs every run, this run; after runs with
-- the rule switched off, the run whose figures did it), the first run whose date judged the year otherwise
-- (year_completed), this run for settings and a repair, and none for the three resolutions found in no run.
CREATE OR REPLACE TEMP TABLE findings_flipped_reasons AS
WITH moves AS (  -- each figure line the finding reads: its value at the compared run, and now
    SELECT g.program_number, g.fiscal_year, g.rule_id, h.source, h.measure, h.line,
           max(h.value) FILTER (WHERE h.valid_from_run <= g.since_run_id
                                  AND (h.valid_to_run IS NULL OR h.valid_to_run > g.since_run_id)) AS then_value,
           max(h.value) FILTER (WHERE h.valid_to_run IS NULL) AS now_value,
           bool_or(h.closed_reason = 'renumbered' AND h.valid_to_run > g.since_run_id) AS renumbered,
           max(h.valid_to_run) FILTER (WHERE h.closed_reason = 'renumbered' AND h.valid_to_run > g.since_run_id)
               AS renumbered_in,
           -- the last run since the compared one that opened or closed a version of the line
           greatest(max(h.valid_from_run) FILTER (WHERE h.valid_from_run > g.since_run_id),
                    max(h.valid_to_run) FILTER (WHERE h.valid_to_run > g.since_run_id)) AS changed_in
    FROM findings_flipped AS g
    JOIN recon.figure_history AS h ON h.program_number = g.program_number AND h.fiscal_year = g.fiscal_year
    WHERE (h.source = 'sam' AND h.line <> 'total'
           AND (h.measure = 'actual' OR (h.measure = 'estimate' AND g.rule_id = 'estimate_only')))
       OR (h.source = 'usaspending' AND h.line = 'total' AND h.measure = 'obligations')
    GROUP BY ALL
),
causes AS (
    SELECT program_number, fiscal_year, rule_id,
           bool_or(renumbered) AS renumbered,
           bool_or(source = 'usaspending' AND coalesce(then_value, 0) = 0 AND coalesce(now_value, 0) <> 0)
               AS late_reporting,
           bool_or(source = 'sam' AND then_value IS NULL AND now_value IS NOT NULL) AS sam_reported,
           bool_or(source = 'sam' AND then_value IS NOT NULL AND now_value IS DISTINCT FROM then_value)
               AS sam_restated,
           bool_or(source = 'usaspending' AND then_value IS NOT NULL AND now_value IS DISTINCT FROM then_value)
               AS usaspending_restated,
           max(renumbered_in) AS renumbered_in,
           max(changed_in) FILTER (WHERE source = 'usaspending' AND coalesce(then_value, 0) = 0
                                     AND coalesce(now_value, 0) <> 0) AS late_reporting_in,
           max(changed_in) FILTER (WHERE source = 'sam' AND then_value IS NULL AND now_value IS NOT NULL)
               AS sam_reported_in,
           max(changed_in) FILTER (WHERE source = 'sam' AND then_value IS NOT NULL
                                     AND now_value IS DISTINCT FROM then_value) AS sam_restated_in,
           max(changed_in) FILTER (WHERE source = 'usaspending' AND then_value IS NOT NULL
                                     AND now_value IS DISTINCT FROM then_value) AS usaspending_restated_in
    FROM moves
    GROUP BY ALL
),
compared_run AS (
    SELECT g.program_number, g.fiscal_year, g.rule_id,
           coalesce(r.as_of, CAST(r.started_at AS DATE)) >= make_date(g.fiscal_year, 10, 1) AS completed_then
    FROM findings_flipped AS g
    LEFT JOIN meta.runs AS r ON r.run_id = g.since_run_id
),
judged AS (
    SELECT g.*,
           -- The setting that changed, in words, when that is the cause (settings_changed names it).
           CASE WHEN list_contains($settings_changed, g.rule_id)
                THEN $settings_changes[list_position($settings_changed, g.rule_id)] END AS setting_change,
           CASE
               WHEN c.renumbered THEN 'renumbered'
               WHEN c.late_reporting THEN 'late_reporting'
               WHEN c.sam_reported THEN 'sam_reported'
               WHEN c.sam_restated THEN 'sam_restated'
               WHEN c.usaspending_restated THEN 'usaspending_restated'
               WHEN list_contains($settings_changed, g.rule_id) THEN 'settings_changed'
               WHEN cr.completed_then IS DISTINCT FROM p.fiscal_year_completed AND cr.completed_then IS NOT NULL
                   THEN 'year_completed'
               WHEN $repair THEN 'repair'
               WHEN g.event = 'reopened' THEN NULL
               WHEN g.rule_id = 'amount_mismatch' AND coalesce(p.sam_actual, 0) <> 0
                    AND coalesce(p.usaspending_obligations, 0) <> 0
                   THEN 'within_tolerance'
               WHEN EXISTS (SELECT 1 FROM explanations_current AS e
                            WHERE e.program_number = g.program_number AND e.fiscal_year = g.fiscal_year
                              AND e.closes_gap)
                   THEN 'explained'
               ELSE 'no_longer_applies'
           END AS reason,
           c.renumbered_in, c.late_reporting_in, c.sam_reported_in, c.sam_restated_in, c.usaspending_restated_in,
           cr.completed_then
    FROM findings_flipped AS g
    LEFT JOIN causes AS c USING (program_number, fiscal_year, rule_id)
    LEFT JOIN compared_run AS cr USING (program_number, fiscal_year, rule_id)
    LEFT JOIN recon.program_year AS p USING (program_number, fiscal_year)
)
SELECT j.* EXCLUDE (renumbered_in, late_reporting_in, sam_reported_in, sam_restated_in, usaspending_restated_in,
                    completed_then),
       CASE j.reason
           WHEN 'renumbered' THEN j.renumbered_in
           WHEN 'late_reporting' THEN j.late_reporting_in
           WHEN 'sam_reported' THEN j.sam_reported_in
           WHEN 'sam_restated' THEN j.sam_restated_in
           WHEN 'usaspending_restated' THEN j.usaspending_restated_in
           WHEN 'settings_changed' THEN $run_id
           WHEN 'repair' THEN $run_id
           -- the first run since the compared one whose run date judged the year otherwise (this one at the latest)
           WHEN 'year_completed' THEN coalesce(
               (SELECT min(r.run_id) FROM meta.runs AS r
                WHERE r.run_id > j.since_run_id AND r.run_id <= $run_id
                  AND (r.status = 'succeeded' OR r.run_id = $run_id)
                  AND (coalesce(r.as_of, CAST(r.started_at AS DATE)) >= make_date(j.fiscal_year, 10, 1))
                      IS DISTINCT FROM j.completed_then),
               $run_id)
       END AS cause_run_id
FROM judged AS j;

INSERT INTO recon.finding_events (run_id, program_number, fiscal_year, rule_id, event, sam_amount, usaspending_amount)
SELECT $run_id, c.program_number, c.fiscal_year, c.rule_id, 'new', c.sam_amount, c.usaspending_amount
FROM findings_current AS c
LEFT JOIN recon.findings AS f USING (program_number, fiscal_year, rule_id)
WHERE f.rule_id IS NULL;

INSERT INTO recon.finding_events
    (run_id, program_number, fiscal_year, rule_id, event, sam_amount, usaspending_amount, reason, reason_detail,
     cause_run_id)
SELECT $run_id, program_number, fiscal_year, rule_id, 'reopened', sam_amount, usaspending_amount, reason,
       CASE WHEN reason = 'settings_changed' THEN setting_change END, cause_run_id
FROM findings_flipped_reasons
WHERE event = 'reopened';

-- A finding still open whose severity changed (a spendrecon.yaml override): an event of its own, so a
-- change of severity is never silent.
INSERT INTO recon.finding_events (run_id, program_number, fiscal_year, rule_id, event, sam_amount, usaspending_amount, reason)
SELECT $run_id, c.program_number, c.fiscal_year, c.rule_id, 'severity_changed', c.sam_amount, c.usaspending_amount,
       f.severity || ' -> ' || c.severity
FROM findings_current AS c
JOIN recon.findings AS f USING (program_number, fiscal_year, rule_id)
WHERE f.status <> 'resolved' AND f.severity IS DISTINCT FROM c.severity;

CREATE OR REPLACE TEMP TABLE findings_gone AS
SELECT program_number, fiscal_year, rule_id, sam_amount, usaspending_amount, reason,
       CASE WHEN reason = 'settings_changed' THEN setting_change END AS reason_detail, cause_run_id
FROM findings_flipped_reasons
WHERE event = 'resolved';

INSERT INTO recon.finding_events
    (run_id, program_number, fiscal_year, rule_id, event, sam_amount, usaspending_amount, reason, reason_detail,
     cause_run_id)
SELECT $run_id, program_number, fiscal_year, rule_id, 'resolved', sam_amount, usaspending_amount, reason, reason_detail,
       cause_run_id
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

-- A hit of a finding already held: it was seen this run, and it is open again if it was resolved.
UPDATE recon.findings AS f
SET run_id = $run_id,
    status = CASE WHEN f.status = 'resolved' THEN 'reopened' ELSE 'open' END,
    last_seen_run_id = $run_id
FROM findings_current AS c
WHERE f.program_number = c.program_number AND f.fiscal_year = c.fiscal_year AND f.rule_id = c.rule_id;

-- Its figures and words, only where they differ from what it holds. Not one upsert that sets them all:
-- DuckDB writes every string it is given, changed or not, and setting each held finding's message and
-- explanation anew took 1.7-2.0 s of a run by run 100 of a year of daily runs (make bench-years, ~1% of
-- figures changing a run), against ~0.01 s for writing only the findings that changed.
UPDATE recon.findings AS f
SET severity = c.severity,
    sam_amount = c.sam_amount,
    usaspending_amount = c.usaspending_amount,
    difference = c.difference,
    at_stake = at_stake(c.difference, c.sam_amount, c.usaspending_amount),
    message = c.message,
    explanation = c.explanation,
    explanation_reason = c.explanation_reason,
    triage = c.triage
FROM findings_current AS c
WHERE f.program_number = c.program_number AND f.fiscal_year = c.fiscal_year AND f.rule_id = c.rule_id
  AND (f.severity IS DISTINCT FROM c.severity
       OR f.sam_amount IS DISTINCT FROM c.sam_amount
       OR f.usaspending_amount IS DISTINCT FROM c.usaspending_amount
       OR f.difference IS DISTINCT FROM c.difference
       OR f.at_stake IS DISTINCT FROM at_stake(c.difference, c.sam_amount, c.usaspending_amount)
       OR f.message IS DISTINCT FROM c.message
       OR f.explanation IS DISTINCT FROM c.explanation
       OR f.explanation_reason IS DISTINCT FROM c.explanation_reason
       OR f.triage IS DISTINCT FROM c.triage);

-- A hit never seen before.
INSERT INTO recon.findings
    (run_id, program_number, fiscal_year, rule_id, severity, sam_amount, usaspending_amount, difference,
     message, status, first_seen_run_id, last_seen_run_id, explanation, explanation_reason, triage, at_stake)
SELECT $run_id, program_number, fiscal_year, rule_id, severity, sam_amount, usaspending_amount, difference,
       message, 'new', $run_id, $run_id, explanation, explanation_reason, triage,
       at_stake(difference, sam_amount, usaspending_amount)
FROM findings_current AS c
WHERE NOT EXISTS (SELECT 1 FROM recon.findings AS f
                  WHERE f.program_number = c.program_number AND f.fiscal_year = c.fiscal_year
                    AND f.rule_id = c.rule_id);

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

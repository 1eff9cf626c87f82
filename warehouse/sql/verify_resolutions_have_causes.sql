-- verify's check resolutions_have_causes: every 'resolved' or 'reopened' event in
-- recon.finding_events of the runs checked (run $run_id, or every run when $all_runs) has a cause
-- among the changes of its run, derived here from the record itself, never from the event's reason
-- (a check that believed the merge's reason could never fail). One row per event without a cause.
--
-- The changes that count, for an event of run R on finding (ALN, FY, rule):
--   * a figure: a recon.figure_history version (any source, measure, line) of that program-year opened
--     or closed by R. Every rule reads its own program-year only (figure_restated its history), and a
--     finding's status depends on its rule alone - explanations, which read other program-years, set
--     its triage, never whether it is open - so no other program-year's change can be its cause;
--   * settings: the rule's parameters or its being enabled (meta.runs.settings rules.<id>: params,
--     enabled) differ from the previous run's (NULL settings, a run older than the column, count as
--     different: what it applied is unknown). A severity change alone is an event, not a cause;
--   * time: the fiscal year completed between the previous run's date and R's (run date:
--     meta.runs.as_of, else the day it started; FY is completed on D when D >= FY-10-01);
--   * a repair recorded for R ($repaired_runs: meta.repairs' runs, when the file has that table).
-- "The previous run" is the latest succeeded run before R whose scope covered the program-year (the
-- run that last evaluated the finding); with every run over the same scope, simply the previous
-- run. A figure changed by a run between the two (one whose scope left the finding out) counts too.
-- With no previous run no finding existed to resolve or reopen: such an event has no cause but a repair.
-- An event of a run meta.runs does not record has no settings or date to compare: only a figure or a
-- repair can be its cause.
--
-- An event that names an earlier run as its cause (cause_run_id: the rule was switched off in between,
-- and the run that switched it back on recorded the event) is checked against that run too: it must be
-- a succeeded run before R and after the last run that evaluated the finding (the latest succeeded run
-- before R covering the program-year with the rule on), and must have opened or closed a figure version
-- of the program-year, changed whether its fiscal year was complete (against that last evaluation), or
-- recorded a repair. One row per event whose named cause does not hold.
-- A query, not a table: warehouse/verify.py reads it.
WITH events AS (
    -- UNION BY NAME: a file older than cause_run_id reads it as NULL
    SELECT e.run_id, e.program_number, e.fiscal_year, e.rule_id, e.event, e.reason, e.cause_run_id
    FROM (SELECT * FROM recon.finding_events
          UNION ALL BY NAME
          SELECT NULL::VARCHAR AS cause_run_id WHERE false) AS e
    WHERE e.event IN ('resolved', 'reopened')
      AND ($all_runs OR e.run_id = $run_id)
),
runs AS (
    -- UNION BY NAME: a file older than meta.runs.as_of or .settings reads them as NULL (never migrated:
    -- verify opens the published file read-only)
    SELECT run_id, status, fiscal_years, programs, settings,
           coalesce(as_of, CAST(started_at AS DATE)) AS run_date
    FROM (SELECT * FROM meta.runs
          UNION ALL BY NAME
          SELECT NULL::DATE AS as_of, NULL::JSON AS settings WHERE false)
),
judged AS (
    SELECT e.*, r.run_id IS NOT NULL AS run_recorded, r.settings, r.run_date,
           (SELECT max(p.run_id) FROM runs AS p
            WHERE p.status = 'succeeded' AND p.run_id < e.run_id
              AND list_contains(p.fiscal_years, e.fiscal_year)
              AND program_in_scope(coalesce(p.programs, []), e.program_number)) AS previous_run
    FROM events AS e
    LEFT JOIN runs AS r USING (run_id)
),
with_previous AS (
    SELECT j.*, p.settings AS previous_settings, p.run_date AS previous_run_date
    FROM judged AS j
    LEFT JOIN runs AS p ON p.run_id = j.previous_run
),
changed AS MATERIALIZED (   -- program-years whose figures a run changed: a version it opened or closed
    SELECT run_id, program_number, fiscal_year
    FROM (SELECT valid_from_run AS run_id, program_number, fiscal_year FROM recon.figure_history
          UNION
          SELECT valid_to_run, program_number, fiscal_year FROM recon.figure_history WHERE valid_to_run IS NOT NULL)
),
caused AS (
    SELECT w.*,
           w.previous_run IS NOT NULL AND EXISTS (
               SELECT 1 FROM changed AS c
               WHERE c.program_number = w.program_number AND c.fiscal_year = w.fiscal_year
                 AND c.run_id > w.previous_run AND c.run_id <= w.run_id
           ) AS figure_changed,
           w.previous_run IS NOT NULL AND w.run_recorded
           AND (w.settings IS NULL OR w.previous_settings IS NULL
                OR json_extract(w.settings, '$.rules.' || w.rule_id || '.params')::VARCHAR
                   IS DISTINCT FROM json_extract(w.previous_settings, '$.rules.' || w.rule_id || '.params')::VARCHAR
                OR json_extract(w.settings, '$.rules.' || w.rule_id || '.enabled')::VARCHAR
                   IS DISTINCT FROM json_extract(w.previous_settings, '$.rules.' || w.rule_id || '.enabled')::VARCHAR
               ) AS settings_changed,
           w.previous_run IS NOT NULL AND w.run_recorded
           AND w.run_date >= make_date(w.fiscal_year, 10, 1)
           AND w.previous_run_date < make_date(w.fiscal_year, 10, 1) AS year_completed,
           list_contains($repaired_runs, w.run_id) AS repaired
    FROM with_previous AS w
),
named AS (   -- events naming an earlier run as their cause, with the run that last evaluated the finding
    SELECT e.*, c.status AS cause_status, c.run_date AS cause_date,
           (SELECT max(p.run_id) FROM runs AS p
            WHERE p.status = 'succeeded' AND p.run_id < e.run_id
              AND list_contains(p.fiscal_years, e.fiscal_year)
              AND program_in_scope(coalesce(p.programs, []), e.program_number)
              AND coalesce(json_extract(p.settings, '$.rules.' || e.rule_id || '.enabled')::VARCHAR, 'true')
                  <> 'false') AS evaluated_run
    FROM events AS e
    LEFT JOIN runs AS c ON c.run_id = e.cause_run_id
    WHERE e.cause_run_id IS NOT NULL AND e.cause_run_id <> e.run_id
),
named_judged AS (
    SELECT n.*,
           n.cause_status = 'succeeded' AND n.cause_run_id < n.run_id AS cause_before,
           n.evaluated_run IS NULL OR n.cause_run_id > n.evaluated_run AS cause_after_evaluation,
           EXISTS (SELECT 1 FROM changed AS c
                   WHERE c.program_number = n.program_number AND c.fiscal_year = n.fiscal_year
                     AND c.run_id = n.cause_run_id)
           OR (v.run_date IS NOT NULL AND (n.cause_date >= make_date(n.fiscal_year, 10, 1))
                                           IS DISTINCT FROM (v.run_date >= make_date(n.fiscal_year, 10, 1)))
           OR list_contains($repaired_runs, n.cause_run_id) AS cause_holds
    FROM named AS n
    LEFT JOIN runs AS v ON v.run_id = n.evaluated_run
)
SELECT 'resolutions_have_causes' AS "check",
       program_number,
       fiscal_year,
       rule_id,
       run_id,
       CASE WHEN previous_run IS NULL THEN
           format('{} by run {} (recorded reason: {}), but no earlier run covered this program-year and no repair '
                  || 'is recorded for the run', event, run_id, coalesce(reason, 'none'))
       ELSE
           format('{} by run {} (recorded reason: {}) with no cause in the record: since run {} no figure of this '
                  || 'program-year changed, nor the settings of {}, nor did FY{} complete',
                  event, run_id, coalesce(reason, 'none'), previous_run, rule_id, fiscal_year)
       END AS detail
FROM caused
WHERE NOT coalesce(figure_changed OR settings_changed OR year_completed OR repaired, false)
UNION ALL
SELECT 'resolutions_have_causes',
       program_number,
       fiscal_year,
       rule_id,
       run_id,
       format('{} by run {} (recorded reason: {}) names run {} as its cause, but {}', event, run_id,
              coalesce(reason, 'none'), cause_run_id,
              CASE WHEN NOT coalesce(cause_before, false) THEN 'that is no succeeded run before it'
                   WHEN NOT cause_after_evaluation
                       THEN format('the rule still evaluated the finding in run {}', evaluated_run)
                   ELSE format('that run changed no figure of this program-year, nor did FY{} complete in it',
                               fiscal_year)
              END)
FROM named_judged
WHERE NOT (coalesce(cause_before, false) AND cause_after_evaluation AND coalesce(cause_holds, false))
ORDER BY run_id, program_number, fiscal_year, rule_id

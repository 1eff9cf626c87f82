-- recon.figure_changes: every change a run made to a program-year's total (recon.figure_history), one
-- row per source, program-year, measure and run that opened a new version of the total, split by
-- what its lines did. SAM.gov's lines are its assistance types; USAspending has only the total (its
-- one line). Per line, in the run that changed it:
--   first report   - the line had no figure (no version, or NULL) and now has one (first_reported);
--   in-year change - the line's figure was stated while the fiscal year was still running
--                    (in_year_change): the in-year figure becoming the full-year figure, no restatement;
--   restatement    - the line's figure was stated after the year ended and changed (change); a
--                    figure withdrawn (NULL, or the line gone while its total stays) is a change of -old.
-- So old_value + change + first_reported + in_year_change = new_value (NULL counted as 0).
-- The run date of a run is meta.runs.as_of, else the day it started (a run meta.runs does not hold
-- yet: the day its figure was fetched); fiscal year FY has ended on a run date D >= FY-10-01.
-- A total closed without a new version (renumbered) is no change here. Lines that change while the
-- total stays the same (one line's +x against another's -x) have no row: the total did not change.
CREATE OR REPLACE VIEW recon.figure_changes AS
WITH run_dates AS (
    SELECT run_id, coalesce(as_of, CAST(started_at AS DATE)) AS run_date FROM meta.runs
),
versions AS (
    SELECT h.source, h.program_number, h.fiscal_year, h.line, h.measure, h.value, h.valid_from_run,
           h.valid_to_run, h.fetched_at,
           coalesce(d.run_date, CAST(h.fetched_at AS DATE)) >= make_date(h.fiscal_year, 10, 1) AS after_year_end
    FROM recon.figure_history AS h
    LEFT JOIN run_dates AS d ON d.run_id = h.valid_from_run
),
totals AS (  -- each new version of a total, with the version it replaced (none: its first)
    SELECT n.source, n.program_number, n.fiscal_year, n.measure, o.value AS old_value, n.value AS new_value,
           o.valid_from_run AS old_run_id, n.valid_from_run AS run_id, n.fetched_at, n.after_year_end,
           n.valid_to_run IS NULL AS is_current
    FROM versions AS n
    LEFT JOIN versions AS o
      ON o.source = n.source AND o.program_number = n.program_number AND o.fiscal_year = n.fiscal_year
     AND o.line = 'total' AND o.measure = n.measure AND o.valid_to_run = n.valid_from_run
    WHERE n.line = 'total'
),
lines AS (  -- SAM.gov: its assistance-type lines; USAspending: the total, its only line
    SELECT * FROM versions WHERE (source = 'sam') = (line <> 'total')
),
line_changes AS (  -- a line's version and the one it replaced, or a line closed with no new version
    SELECT coalesce(n.source, o.source) AS source, coalesce(n.program_number, o.program_number) AS program_number,
           coalesce(n.fiscal_year, o.fiscal_year) AS fiscal_year, coalesce(n.measure, o.measure) AS measure,
           coalesce(n.line, o.line) AS line, coalesce(n.valid_from_run, o.valid_to_run) AS run_id,
           o.value AS old_value, n.value AS new_value, coalesce(o.after_year_end, false) AS old_after_year_end
    FROM lines AS n
    FULL JOIN (SELECT * FROM lines WHERE valid_to_run IS NOT NULL) AS o
      ON o.source = n.source AND o.program_number = n.program_number AND o.fiscal_year = n.fiscal_year
     AND o.line = n.line AND o.measure = n.measure AND o.valid_to_run = n.valid_from_run
),
kinds AS (
    SELECT t.source, t.program_number, t.fiscal_year, t.measure, t.run_id, l.line, l.new_value, l.old_value,
           CASE WHEN l.old_value IS NULL THEN 'first_report'
                WHEN l.old_after_year_end AND t.after_year_end THEN 'restatement'
                ELSE 'in_year' END AS kind
    FROM totals AS t
    JOIN line_changes AS l USING (source, program_number, fiscal_year, measure, run_id)
)
SELECT t.source,
       t.program_number,
       t.fiscal_year,
       t.measure,
       t.old_value,
       t.new_value,
       coalesce(sum(coalesce(k.new_value, 0) - k.old_value) FILTER (WHERE k.kind = 'restatement'), 0)
           ::DECIMAL(18,2) AS change,
       sum(k.new_value) FILTER (WHERE k.kind = 'first_report')::DECIMAL(18,2) AS first_reported,
       coalesce(sum(coalesce(k.new_value, 0) - k.old_value) FILTER (WHERE k.kind = 'in_year'), 0)
           ::DECIMAL(18,2) AS in_year_change,
       coalesce(list(k.line ORDER BY k.line) FILTER (WHERE k.kind = 'restatement'), []) AS restated_lines,
       coalesce(list(k.line ORDER BY k.line) FILTER (WHERE k.kind = 'first_report' AND k.new_value IS NOT NULL),
                []) AS first_report_lines,
       t.old_run_id,
       t.run_id,
       t.fetched_at,
       t.after_year_end AS fiscal_year_completed,
       t.is_current
FROM totals AS t
LEFT JOIN kinds AS k USING (source, program_number, fiscal_year, measure, run_id)
GROUP BY t.source, t.program_number, t.fiscal_year, t.measure, t.old_value, t.new_value, t.old_run_id, t.run_id,
         t.fetched_at, t.after_year_end, t.is_current

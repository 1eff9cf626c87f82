-- verify's check figures_match_history: every program-year's SAM.gov estimate and actual and
-- USAspending obligations in recon.program_year equal the value of the current version
-- (valid_to_run IS NULL, line 'total') of that source and measure in recon.figure_history, NULL when
-- there is no current version. Compared exactly (IS DISTINCT FROM). A program-year present in either
-- table is checked, so a current version whose program-year recon.program_year lacks is a case too,
-- and so are two current versions of one figure (the history would contradict itself).
-- One row per program-year and figure that disagrees. run_id: the run that opened the current
-- version (NULL when there is none). A query, not a table: warehouse/verify.py reads it.
WITH figures AS (
    SELECT * FROM (VALUES ('sam', 'estimate', 'sam_estimate'),
                          ('sam', 'actual', 'sam_actual'),
                          ('usaspending', 'obligations', 'usaspending_obligations'))
        AS f(source, measure, column_name)
),
current_versions AS (
    SELECT f.column_name, h.program_number, h.fiscal_year,
           count(*) AS versions, any_value(h.value) AS value, min(h.valid_from_run) AS valid_from_run
    FROM recon.figure_history AS h
    JOIN figures AS f USING (source, measure)
    WHERE h.valid_to_run IS NULL AND h.line = 'total'
    GROUP BY ALL
),
program_year AS (
    SELECT program_number, fiscal_year, f.column_name,
           CASE f.column_name WHEN 'sam_estimate' THEN p.sam_estimate
                              WHEN 'sam_actual' THEN p.sam_actual
                              ELSE p.usaspending_obligations END AS value
    FROM recon.program_year AS p
    CROSS JOIN figures AS f
),
compared AS (
    SELECT coalesce(p.program_number, c.program_number) AS program_number,
           coalesce(p.fiscal_year, c.fiscal_year) AS fiscal_year,
           coalesce(p.column_name, c.column_name) AS column_name,
           p.program_number IS NOT NULL AS in_program_year,
           p.value AS program_year_value,
           c.value AS history_value,
           coalesce(c.versions, 0) AS versions,
           c.valid_from_run
    FROM program_year AS p
    FULL OUTER JOIN current_versions AS c USING (program_number, fiscal_year, column_name)
)
SELECT 'figures_match_history' AS "check",
       program_number,
       fiscal_year,
       NULL::VARCHAR AS rule_id,
       valid_from_run AS run_id,
       CASE
           WHEN NOT in_program_year THEN
               format('{}: a current history version ({}, from run {}) but no row in recon.program_year',
                      column_name, money_text(history_value), valid_from_run)
           WHEN versions > 1 THEN
               format('{}: {} current history versions', column_name, versions)
           ELSE
               format('{}: recon.program_year says {}, the current history version says {}', column_name,
                      money_text(program_year_value),
                      CASE WHEN versions = 0 THEN 'nothing (there is none)'
                           ELSE money_text(history_value) || ' (from run ' || valid_from_run || ')' END)
       END AS detail
FROM compared
WHERE NOT in_program_year
   OR versions > 1
   OR program_year_value IS DISTINCT FROM history_value
ORDER BY program_number, fiscal_year, column_name

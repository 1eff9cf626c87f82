-- sam_never_reported (a characterization, kind non_reporting): the SAM.gov-side mirror of
-- never_reported. The program's listing reports no actual (none, NULL) in any fiscal year it shows -
-- an explicit 0 is a report, and so is an actual given early for a year not yet due - and it shows at
-- least $min_years_held years whose actuals are due (sam_actual_years): with fewer, "never" is not
-- established. Applies to a finding of a year whose actual is due and missing: estimate_only and
-- obligations_not_in_sam on a listed program showing the year with no actual.
WITH shown AS (
    SELECT p.program_number, p.fiscal_year, p.sam_actual, coalesce(y.due, false) AS due
    FROM recon.program_year AS p
    LEFT JOIN sam_actual_years AS y USING (fiscal_year)
    WHERE p.sam_lines > 0
),
held AS (
    SELECT program_number,
           count(*) FILTER (WHERE due) AS years_held,
           min(fiscal_year) FILTER (WHERE due) AS first_year_held,
           max(fiscal_year) FILTER (WHERE due) AS last_year_held,
           bool_or(sam_actual IS NOT NULL) AS reports
    FROM shown
    GROUP BY program_number
)
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER AS related_fiscal_year,
       h.years_held, h.first_year_held, h.last_year_held
FROM findings_current AS c
JOIN recon.program_year AS p USING (program_number, fiscal_year)
JOIN sam_actual_years AS y USING (fiscal_year)
JOIN held AS h USING (program_number)
WHERE c.rule_id IN ('estimate_only', 'obligations_not_in_sam')
  AND p.sam_listed
  AND p.sam_lines > 0
  AND y.due
  AND NOT h.reports
  AND h.years_held >= $min_years_held

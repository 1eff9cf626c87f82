-- sam_year_not_reported (a characterization, kind non_reporting): the program's listing reports an
-- actual (a figure, 0 included) for at least $min_years_reported other fiscal years but none for this
-- one, whose actuals are due (sam_actual_years): SAM.gov is missing the year's report, not money.
-- An estimate is no report. Applies to a finding of that year whose actual is missing: estimate_only and
-- obligations_not_in_sam on a listed program showing the year with no actual.
WITH reported AS (
    SELECT program_number,
           count(*) AS years_reported,
           string_agg('FY' || fiscal_year, ', ' ORDER BY fiscal_year) AS reported_years
    FROM recon.program_year
    WHERE sam_actual IS NOT NULL
    GROUP BY program_number
)
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER AS related_fiscal_year,
       r.years_reported, r.reported_years
FROM findings_current AS c
JOIN recon.program_year AS p USING (program_number, fiscal_year)
JOIN sam_actual_years AS y USING (fiscal_year)
JOIN reported AS r USING (program_number)
WHERE c.rule_id IN ('estimate_only', 'obligations_not_in_sam')
  AND p.sam_listed
  AND p.sam_lines > 0
  AND p.sam_actual IS NULL
  AND y.due
  AND r.years_reported >= $min_years_reported

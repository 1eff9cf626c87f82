-- sam_agency_silent (a characterization, kind non_reporting): the SAM.gov-side mirror of agency_silent.
-- The program's sub-agency (its agency when SAM.gov names none) reports no SAM.gov actual for the
-- fiscal year under any of its listed programs showing the year, while USAspending records obligations
-- for at least $min_programs of them that year, and other listings do report their actuals for it: the
-- year is due (sam_actual_years) and not silent for everyone - a year nobody reports yet says nothing
-- about one agency. Applies to a finding of that year whose actual is missing: estimate_only and
-- obligations_not_in_sam on a listed program showing the year with no actual.
WITH py AS (
    SELECT program_number, fiscal_year, coalesce(sub_agency, agency) AS reporting_unit,
           sam_actual, usaspending_obligations
    FROM recon.program_year
    WHERE sam_listed AND sam_lines > 0
),
units AS (
    SELECT reporting_unit, fiscal_year,
           count(DISTINCT program_number) AS unit_programs,
           count(*) FILTER (WHERE sam_actual IS NOT NULL) AS reporting_programs,
           count(*) FILTER (WHERE usaspending_obligations > 0) AS usaspending_programs,
           coalesce(sum(usaspending_obligations) FILTER (WHERE usaspending_obligations > 0), 0)::DECIMAL(18,2)
               AS unit_usaspending
    FROM py
    WHERE reporting_unit IS NOT NULL
    GROUP BY reporting_unit, fiscal_year
)
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER AS related_fiscal_year,
       u.reporting_unit, u.unit_programs, u.usaspending_programs, u.unit_usaspending,
       y.reporting - u.reporting_programs AS other_listings
FROM findings_current AS c
JOIN py AS p USING (program_number, fiscal_year)
JOIN units AS u USING (reporting_unit, fiscal_year)
JOIN sam_actual_years AS y USING (fiscal_year)
WHERE c.rule_id IN ('estimate_only', 'obligations_not_in_sam')
  AND y.due
  AND u.reporting_programs = 0
  AND y.reporting > u.reporting_programs
  AND u.usaspending_programs >= $min_programs

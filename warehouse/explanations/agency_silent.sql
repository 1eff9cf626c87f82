-- agency_silent (a characterization, kind non_reporting): the program's sub-agency (its agency when
-- SAM.gov names none) has no USAspending obligations in the finding's fiscal year under any of its
-- programs, while SAM.gov shows actuals for at least $min_programs of them - the whole reporting
-- unit is missing from USAspending that year, not this one program. A year USAspending holds
-- nothing for at all (not loaded) says nothing about anyone. Applies where USAspending has nothing
-- for the finding's program and year: actual_not_in_usaspending, and estimate_only without
-- USAspending obligations.
WITH py AS (
    SELECT program_number, fiscal_year, coalesce(sub_agency, agency) AS reporting_unit,
           sam_actual, usaspending_obligations
    FROM recon.program_year
),
units AS (
    SELECT reporting_unit, fiscal_year,
           count(DISTINCT program_number) AS unit_programs,
           count(*) FILTER (WHERE sam_actual > 0) AS sam_programs,
           coalesce(sum(sam_actual) FILTER (WHERE sam_actual > 0), 0)::DECIMAL(18,2) AS unit_sam_actual,
           count(*) FILTER (WHERE usaspending_obligations <> 0) AS reporting_programs
    FROM py
    WHERE reporting_unit IS NOT NULL
    GROUP BY reporting_unit, fiscal_year
),
loaded_years AS (
    SELECT DISTINCT fiscal_year FROM staging.usaspending_program_year
)
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER AS related_fiscal_year,
       u.reporting_unit, u.unit_programs, u.sam_programs, u.unit_sam_actual
FROM findings_current AS c
JOIN py AS p USING (program_number, fiscal_year)
JOIN units AS u USING (reporting_unit, fiscal_year)
WHERE c.rule_id IN ('actual_not_in_usaspending', 'estimate_only')
  AND coalesce(c.usaspending_amount, 0) = 0
  AND u.reporting_programs = 0
  AND u.sam_programs >= $min_programs
  AND c.fiscal_year IN (SELECT fiscal_year FROM loaded_years)

-- never_reported (a characterization, kind non_reporting): USAspending records no obligations (no
-- row, or 0) under this ALN in any fiscal year the warehouse holds - the years loaded into
-- staging.usaspending_program_year by this and earlier runs, and in archive mode every year the
-- archive store holds (staging.usaspending_all_years). A negative total is a report too. With fewer
-- than $min_years_held years of USAspending data, "never" is not established and nothing is said.
-- Applies where USAspending has nothing for the finding's own year: actual_not_in_usaspending, and
-- estimate_only without USAspending obligations.
WITH history AS (
    SELECT program_number, fiscal_year, usaspending_obligations FROM staging.usaspending_program_year
    UNION ALL
    SELECT program_number, fiscal_year, usaspending_obligations FROM staging.usaspending_all_years
),
held AS (
    SELECT count(DISTINCT fiscal_year) AS years_held, min(fiscal_year) AS first_year_held,
           max(fiscal_year) AS last_year_held
    FROM history
),
reporting AS (
    SELECT DISTINCT program_number FROM history WHERE usaspending_obligations <> 0
)
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER AS related_fiscal_year,
       h.years_held, h.first_year_held, h.last_year_held
FROM findings_current AS c
CROSS JOIN held AS h
WHERE c.rule_id IN ('actual_not_in_usaspending', 'estimate_only')
  AND coalesce(c.usaspending_amount, 0) = 0
  AND h.years_held >= $min_years_held
  AND NOT EXISTS (SELECT 1 FROM reporting AS r WHERE r.program_number = c.program_number)

-- partial_year: the fiscal year was still running on the run date, so actuals cannot exist yet.
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER AS related_fiscal_year
FROM findings_current AS c
JOIN recon.program_year AS p USING (program_number, fiscal_year)
WHERE NOT p.fiscal_year_completed

-- sam_actual_not_yet_due (kind pending, decisive): SAM.gov has no actual for a completed fiscal year
-- whose actuals are not due yet on the run date (sam_actual_years: $lag_months after the year ended,
-- unless most listings showing the year already report one). The finding is a wait, not a lead: it
-- wins over every other explanation. Applies where a rule needs the SAM.gov actual the listing does not
-- give yet: estimate_only (the lines without an actual), and obligations_not_in_sam when the listing has
-- no actual for the year at all - an explicit 0 is a figure. The listing must be listed, and either show
-- the year or be active: an active listing adds the year in its update (until then it shows an older
-- window), while an archived one that does not show the year, or a number SAM.gov does not list, will
-- get no actual by waiting.
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER AS related_fiscal_year,
       y.due_on, y.reporting, y.listings, y.reported_share
FROM findings_current AS c
JOIN recon.program_year AS p USING (program_number, fiscal_year)
JOIN sam_actual_years AS y USING (fiscal_year)
WHERE c.rule_id IN ('estimate_only', 'obligations_not_in_sam')
  AND p.sam_listed
  AND (p.sam_lines > 0 OR lower(coalesce(p.sam_status, '')) NOT IN ('inactive', 'archived'))
  AND (c.rule_id = 'estimate_only' OR p.sam_actual IS NULL)
  AND NOT y.due

-- estimate_only: the fiscal year is over, yet SAM.gov shows only an estimate for it - for the whole
-- program (no actual at all), or for some of its assistance-type lines (the actual is partial).
-- The SAM.gov amount is the estimate of the lines that have no actual; the difference is computed
-- only when the whole figure is an estimate.
SELECT program_number,
       fiscal_year,
       sam_estimate_without_actual AS sam_amount,
       usaspending_obligations AS usaspending_amount,
       CASE WHEN sam_actual IS NULL
            THEN (sam_estimate_without_actual - usaspending_obligations)::DECIMAL(18,2) END AS difference
FROM recon.program_year
WHERE fiscal_year_completed
  AND sam_estimate_without_actual IS NOT NULL

-- estimate_only: the fiscal year is over, yet SAM.gov shows only an estimate for it (an estimate
-- and no actual). The estimate is reported as the SAM.gov amount.
SELECT program_number,
       fiscal_year,
       sam_estimate AS sam_amount,
       usaspending_obligations AS usaspending_amount,
       (sam_estimate - usaspending_obligations)::DECIMAL(18,2) AS difference
FROM recon.program_year
WHERE fiscal_year_completed
  AND sam_actual IS NULL
  AND sam_estimate IS NOT NULL

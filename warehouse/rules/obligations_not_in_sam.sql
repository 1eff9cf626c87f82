-- obligations_not_in_sam: USAspending records obligations of at least $min_amount for a completed
-- fiscal year, and SAM.gov has no actual for that program and year (no figure, or zero) -
-- including programs SAM.gov does not list at all.
SELECT program_number,
       fiscal_year,
       sam_actual AS sam_amount,
       usaspending_obligations AS usaspending_amount,
       difference
FROM recon.program_year
WHERE usaspending_obligations >= $min_amount
  AND coalesce(sam_actual, 0) = 0
  AND fiscal_year_completed

-- actual_not_in_usaspending: SAM.gov reports an actual of at least $min_amount for the year, and
-- USAspending has no obligations for that program and year (no figure at all, or exactly zero).
SELECT program_number,
       fiscal_year,
       sam_actual AS sam_amount,
       usaspending_obligations AS usaspending_amount,
       difference
FROM recon.program_year
WHERE sam_actual >= $min_amount
  AND coalesce(usaspending_obligations, 0) = 0

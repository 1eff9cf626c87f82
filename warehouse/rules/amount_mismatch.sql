-- amount_mismatch: both sides report a non-zero figure and the gap exceeds BOTH the absolute
-- tolerance ($abs_tolerance) and the relative one ($rel_tolerance of the larger side, in absolute value).
SELECT program_number,
       fiscal_year,
       sam_actual AS sam_amount,
       usaspending_obligations AS usaspending_amount,
       difference
FROM recon.program_year
WHERE sam_actual <> 0
  AND usaspending_obligations <> 0
  AND abs(difference) > $abs_tolerance
  AND abs(difference) > $rel_tolerance * greatest(abs(sam_actual), abs(usaspending_obligations))

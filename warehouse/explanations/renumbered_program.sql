-- renumbered_program: SAM.gov renumbered this program's listing (the same listing id now under this
-- number) and USAspending still records the year's money under the old number. The SAM.gov figure and
-- the money are the same program's under two numbers: legitimate, naming the old number. The old
-- number's own findings are unlisted_program's (variant renumbered).
WITH moves AS (
    SELECT DISTINCT program_number AS old_number, renumbered_to AS new_number
    FROM staging.sam_listings
    WHERE renumbered_to IS NOT NULL AND no_longer_listed
)
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER AS related_fiscal_year,
       m.old_number AS related_program_number, o.usaspending_obligations AS other_amount
FROM findings_current AS c
JOIN moves AS m ON m.new_number = c.program_number
JOIN recon.program_year AS o ON o.program_number = m.old_number AND o.fiscal_year = c.fiscal_year
WHERE c.rule_id IN ('actual_not_in_usaspending', 'amount_mismatch', 'estimate_only')
  AND coalesce(o.usaspending_obligations, 0) <> 0

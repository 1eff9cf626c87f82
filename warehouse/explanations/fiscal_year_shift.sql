-- fiscal_year_shift: the amount one source reports for year N is what the other source reports for
-- N-1 or N+1 (within tolerance), and that neighbouring year does not already agree with itself -
-- the same money booked in a different fiscal year (e.g. 97.102: $15M actual in FY2022 on SAM.gov,
-- $15M obligated in FY2023 on USAspending). A neighbour whose SAM.gov actual is not in (not due yet,
-- or not reported) is judged by its estimate: USAspending's money there matching the year's own
-- estimate is that year's money, not this year's (97.102's FY2023 estimate, $20M, does not match). A
-- neighbour SAM.gov states no figure for at all says nothing, so USAspending's money there is taken as
-- its own; USAspending's answers are whole years, so its absence there is a statement (nothing obligated).
WITH neighbours AS (
    SELECT c.program_number, c.fiscal_year, c.rule_id, n.fiscal_year AS related_fiscal_year,
           'SAM.gov' AS this_side, c.sam_amount AS this_amount,
           'USAspending' AS other_side, n.usaspending_obligations AS other_amount,
           coalesce(n.sam_actual, n.sam_estimate) AS other_year_own,
           coalesce(n.sam_actual, n.sam_estimate) IS NOT NULL AS other_year_stated
    FROM findings_current AS c
    JOIN recon.program_year AS n
      ON n.program_number = c.program_number AND n.fiscal_year IN (c.fiscal_year - 1, c.fiscal_year + 1)
    WHERE c.rule_id IN ('actual_not_in_usaspending', 'amount_mismatch', 'estimate_only')
      AND c.sam_amount <> 0 AND n.usaspending_obligations <> 0
    UNION ALL
    SELECT c.program_number, c.fiscal_year, c.rule_id, n.fiscal_year,
           'USAspending', c.usaspending_amount,
           'SAM.gov', n.sam_actual,
           n.usaspending_obligations,
           TRUE
    FROM findings_current AS c
    JOIN recon.program_year AS n
      ON n.program_number = c.program_number AND n.fiscal_year IN (c.fiscal_year - 1, c.fiscal_year + 1)
    WHERE c.rule_id IN ('obligations_not_in_sam', 'amount_mismatch')
      AND c.usaspending_amount <> 0 AND n.sam_actual <> 0
),
matched AS (
    SELECT *, abs(this_amount - other_amount) AS gap
    FROM neighbours
    WHERE abs(this_amount - other_amount)
              <= greatest($abs_tolerance, $rel_tolerance * greatest(abs(this_amount), abs(other_amount)))
      -- the neighbour's own two figures must not already agree, or its money is accounted for there
      AND other_year_stated
      AND (other_year_own IS NULL
           OR abs(other_year_own - other_amount)
              > greatest($abs_tolerance, $rel_tolerance * greatest(abs(other_year_own), abs(other_amount))))
)
SELECT program_number, fiscal_year, rule_id, related_fiscal_year, this_side, this_amount, other_side, other_amount,
       TRUE AS closes_gap
FROM matched
QUALIFY row_number() OVER (PARTITION BY program_number, fiscal_year, rule_id ORDER BY gap, related_fiscal_year) = 1

-- non_award_lines: part of the SAM.gov figure is on lines of assistance types that produce no awards
-- (salaries and expenses, non-financial types), and without them the gap closes - or they are at
-- least half of the figure. Measured on exactly the lines behind the finding's SAM.gov amount.
WITH finding_lines AS (
    SELECT c.program_number, c.fiscal_year, c.rule_id, l.assistance_family,
           CASE WHEN c.rule_id = 'estimate_only' THEN (CASE WHEN l.sam_actual IS NULL THEN l.sam_estimate END)
                ELSE l.sam_actual END AS amount
    FROM findings_current AS c
    JOIN staging.sam_lines_chosen AS l USING (program_number, fiscal_year)
),
non_award AS (
    SELECT program_number, fiscal_year, rule_id,
           sum(amount) AS non_award_amount,
           string_agg(DISTINCT replace(assistance_family, '_', ' '), ' and ' ORDER BY replace(assistance_family, '_', ' ')) AS non_award_types
    FROM finding_lines
    WHERE assistance_family IN (SELECT family FROM staging.assistance_families WHERE non_award) AND amount IS NOT NULL
    GROUP BY program_number, fiscal_year, rule_id
)
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER AS related_fiscal_year,
       n.non_award_amount, n.non_award_types, c.sam_amount,
       (c.sam_amount - n.non_award_amount)::DECIMAL(18,2) AS award_amount,
       abs(c.sam_amount - n.non_award_amount - coalesce(c.usaspending_amount, 0))
          <= greatest($abs_tolerance, $rel_tolerance * greatest(abs(c.sam_amount - n.non_award_amount), abs(coalesce(c.usaspending_amount, 0)))) AS closes_gap
FROM findings_current AS c
JOIN non_award AS n USING (program_number, fiscal_year, rule_id)
WHERE c.rule_id IN ('actual_not_in_usaspending', 'amount_mismatch', 'estimate_only')
  AND n.non_award_amount > 0
  AND c.sam_amount > coalesce(c.usaspending_amount, 0)
  AND (n.non_award_amount >= $min_non_award_share * c.sam_amount
       OR abs(c.sam_amount - n.non_award_amount - coalesce(c.usaspending_amount, 0))
          <= greatest($abs_tolerance, $rel_tolerance * greatest(abs(c.sam_amount - n.non_award_amount), abs(coalesce(c.usaspending_amount, 0)))))

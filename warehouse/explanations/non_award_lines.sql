-- non_award_lines: part of the SAM.gov figure is on lines of assistance types that produce no awards
-- (salaries and expenses, non-financial types), and without them the gap closes - or they are at
-- least half of the figure.
WITH lines AS (
    SELECT program_number, fiscal_year,
           sum(coalesce(actual, estimate)) FILTER (WHERE assistance_family IN ('non_financial', 'salaries_and_expenses')) AS non_award_amount,
           string_agg(DISTINCT replace(assistance_family, '_', ' '), ' and ' ORDER BY replace(assistance_family, '_', ' '))
               FILTER (WHERE assistance_family IN ('non_financial', 'salaries_and_expenses')) AS non_award_types
    FROM staging.sam_obligations
    GROUP BY program_number, fiscal_year
)
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER AS related_fiscal_year,
       l.non_award_amount, l.non_award_types, c.sam_amount,
       (c.sam_amount - l.non_award_amount)::DECIMAL(18,2) AS award_amount,
       abs(c.sam_amount - l.non_award_amount - coalesce(c.usaspending_amount, 0))
          <= greatest($abs_tolerance, $rel_tolerance * greatest(abs(c.sam_amount - l.non_award_amount), abs(coalesce(c.usaspending_amount, 0)))) AS closes_gap
FROM findings_current AS c
JOIN lines AS l USING (program_number, fiscal_year)
WHERE c.rule_id IN ('actual_not_in_usaspending', 'amount_mismatch', 'estimate_only')
  AND l.non_award_amount > 0
  AND c.sam_amount > coalesce(c.usaspending_amount, 0)
  AND (l.non_award_amount >= $min_non_award_share * c.sam_amount
       OR abs(c.sam_amount - l.non_award_amount - coalesce(c.usaspending_amount, 0))
          <= greatest($abs_tolerance, $rel_tolerance * greatest(abs(c.sam_amount - l.non_award_amount), abs(coalesce(c.usaspending_amount, 0)))))

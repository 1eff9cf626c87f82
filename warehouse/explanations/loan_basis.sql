-- loan_basis: a loan, guarantee or insurance program. With archive data: its SAM.gov figure matches
-- USAspending's loan face value rather than the obligation (subsidy cost). Without it: the SAM.gov
-- figure is mostly loan-type lines and exceeds USAspending, which records loans at subsidy cost.
-- Shares are measured on exactly the lines behind the finding's SAM.gov amount: the chosen
-- listing's actuals (for estimate_only, the estimates of lines with no actual).
WITH finding_lines AS (
    SELECT c.program_number, c.fiscal_year, c.rule_id,
           CASE WHEN c.rule_id = 'estimate_only' THEN (CASE WHEN l.sam_actual IS NULL THEN l.sam_estimate END)
                ELSE l.sam_actual END AS amount,
           l.assistance_family IN (SELECT family FROM staging.assistance_families WHERE loan_like) AS is_loan
    FROM findings_current AS c
    JOIN staging.sam_lines_chosen AS l USING (program_number, fiscal_year)
),
shares AS (
    SELECT program_number, fiscal_year, rule_id,
           sum(amount) FILTER (WHERE is_loan) AS loan_amount,
           sum(amount) AS all_amount
    FROM finding_lines
    GROUP BY program_number, fiscal_year, rule_id
),
candidates AS (
    SELECT c.*, p.usaspending_loan_face_value AS face_value, p.usaspending_loan_subsidy_cost AS subsidy_cost,
           s.loan_amount,
           CASE WHEN s.all_amount <> 0 THEN (s.loan_amount / s.all_amount)::DECIMAL(9,4) END AS loan_share,
           p.usaspending_loan_face_value IS NOT NULL
               AND abs(c.sam_amount - p.usaspending_loan_face_value)
                   <= greatest($abs_tolerance, $rel_tolerance * greatest(abs(c.sam_amount), abs(p.usaspending_loan_face_value)))
               AS matches_face_value
    FROM findings_current AS c
    JOIN recon.program_year AS p USING (program_number, fiscal_year)
    JOIN shares AS s USING (program_number, fiscal_year, rule_id)
    WHERE s.loan_amount IS NOT NULL AND s.loan_amount <> 0
)
SELECT program_number, fiscal_year, rule_id, NULL::INTEGER AS related_fiscal_year,
       CASE WHEN matches_face_value THEN 'face_value' ELSE 'loan_share' END AS variant,
       matches_face_value AS closes_gap,
       sam_amount, face_value, subsidy_cost, loan_share
FROM candidates
WHERE matches_face_value
   OR (loan_share >= $min_loan_share
       AND rule_id IN ('actual_not_in_usaspending', 'amount_mismatch', 'estimate_only')
       AND sam_amount > coalesce(usaspending_amount, 0))

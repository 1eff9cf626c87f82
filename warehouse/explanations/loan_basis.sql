-- loan_basis: a loan, guarantee or insurance program. With archive data: its SAM.gov figure matches
-- USAspending's loan face value rather than the obligation (subsidy cost). Without it: the SAM.gov
-- figure is mostly loan-type lines and exceeds USAspending, which records loans at subsidy cost.
WITH loan_lines AS (
    SELECT program_number, fiscal_year,
           sum(coalesce(actual, estimate)) FILTER (WHERE assistance_family IN ('direct_loan', 'loan_guarantee', 'insurance')) AS loan_amount,
           sum(coalesce(actual, estimate)) AS all_amount
    FROM staging.sam_obligations
    GROUP BY program_number, fiscal_year
),
candidates AS (
    SELECT c.*, p.usaspending_loan_face_value AS face_value, p.usaspending_loan_subsidy_cost AS subsidy_cost,
           l.loan_amount,
           CASE WHEN l.all_amount <> 0 THEN l.loan_amount / l.all_amount END AS loan_share
    FROM findings_current AS c
    JOIN recon.program_year AS p USING (program_number, fiscal_year)
    JOIN loan_lines AS l USING (program_number, fiscal_year)
    WHERE l.loan_amount IS NOT NULL AND l.loan_amount <> 0
)
SELECT program_number, fiscal_year, rule_id, NULL::INTEGER AS related_fiscal_year,
       CASE WHEN face_value IS NOT NULL
                 AND abs(sam_amount - face_value) <= greatest($abs_tolerance, $rel_tolerance * greatest(abs(sam_amount), abs(face_value)))
            THEN 'face_value' ELSE 'loan_share' END AS variant,
       face_value IS NOT NULL
           AND abs(sam_amount - face_value) <= greatest($abs_tolerance, $rel_tolerance * greatest(abs(sam_amount), abs(face_value))) AS closes_gap,
       sam_amount, face_value, subsidy_cost, loan_share
FROM candidates
WHERE (face_value IS NOT NULL
       AND abs(sam_amount - face_value) <= greatest($abs_tolerance, $rel_tolerance * greatest(abs(sam_amount), abs(face_value))))
   OR (loan_share >= $min_loan_share
       AND rule_id IN ('actual_not_in_usaspending', 'amount_mismatch', 'estimate_only')
       AND sam_amount > coalesce(usaspending_amount, 0))

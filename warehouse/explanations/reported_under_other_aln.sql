-- reported_under_other_aln: the money SAM.gov reports under one ALN appears on USAspending under
-- another ALN of the same agency in the same fiscal year. Pairs a program-year where SAM.gov's
-- actual exceeds USAspending (the short side) with one where USAspending exceeds SAM.gov's actual,
-- or records obligations under a number SAM.gov has no actual for (the excess side), when the two
-- amounts agree within $rel_tolerance. "Same agency": the same ALN prefix (the agency code) or the
-- same agency name.
--
-- Only unambiguous pairs explain anything: each side must have exactly one partner, so two
-- candidates give no explanation. A side whose own gap is already a fiscal_year_shift (rows of
-- explanations_current, filled before this runs, see priority) is no candidate: that money is
-- accounted for in its neighbouring year. Both findings of a pair are explained, each naming the
-- other ALN in related_program_number.
WITH py AS (
    SELECT program_number, fiscal_year, split_part(program_number, '.', 1) AS prefix, lower(agency) AS agency,
           sam_actual, usaspending_obligations,
           coalesce(sam_actual, 0) - coalesce(usaspending_obligations, 0) AS net
    FROM recon.program_year
    WHERE fiscal_year_completed
),
shifted AS (
    SELECT DISTINCT program_number, fiscal_year FROM explanations_current WHERE explanation = 'fiscal_year_shift'
),
short_side AS (
    SELECT py.*, net AS amount FROM py
    WHERE net > 0 AND sam_actual > 0 AND NOT EXISTS (SELECT 1 FROM shifted AS s
                                   WHERE s.program_number = py.program_number AND s.fiscal_year = py.fiscal_year)
),
excess_side AS (
    SELECT py.*, -net AS amount FROM py
    WHERE net < 0 AND usaspending_obligations > 0 AND NOT EXISTS (SELECT 1 FROM shifted AS s
                                   WHERE s.program_number = py.program_number AND s.fiscal_year = py.fiscal_year)
),
pairs AS (
    SELECT s.program_number AS short_program, e.program_number AS excess_program, s.fiscal_year,
           s.amount AS short_amount, e.amount AS excess_amount
    FROM short_side AS s
    JOIN excess_side AS e
      ON e.fiscal_year = s.fiscal_year
     AND e.program_number <> s.program_number
     AND (e.prefix = s.prefix OR e.agency = s.agency)
     AND abs(s.amount - e.amount) <= $rel_tolerance * greatest(s.amount, e.amount)
),
unambiguous AS (
    SELECT * FROM pairs
    QUALIFY count(*) OVER (PARTITION BY short_program, fiscal_year) = 1
        AND count(*) OVER (PARTITION BY excess_program, fiscal_year) = 1
)
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER AS related_fiscal_year,
       'appears_under' AS variant, u.excess_program AS related_program_number,
       u.short_amount AS amount, u.excess_amount AS other_amount, TRUE AS closes_gap
FROM findings_current AS c
JOIN unambiguous AS u ON u.short_program = c.program_number AND u.fiscal_year = c.fiscal_year
WHERE c.rule_id IN ('actual_not_in_usaspending', 'amount_mismatch')
UNION ALL
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER,
       'booked_under', u.short_program,
       u.excess_amount, u.short_amount, TRUE
FROM findings_current AS c
JOIN unambiguous AS u ON u.excess_program = c.program_number AND u.fiscal_year = c.fiscal_year
WHERE c.rule_id IN ('obligations_not_in_sam', 'amount_mismatch')

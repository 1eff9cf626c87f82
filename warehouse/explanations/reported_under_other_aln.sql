-- reported_under_other_aln: the money SAM.gov reports under one ALN appears on USAspending under
-- another ALN of the same agency in the same fiscal year. Pairs a program-year where SAM.gov's
-- actual exceeds USAspending (the short side) with one where USAspending exceeds SAM.gov's actual,
-- or records obligations under a number SAM.gov has no actual for (the excess side), when the two
-- amounts agree within $rel_tolerance. "Same agency": the same ALN prefix (the agency code) or the
-- same agency name.
--
-- Only unambiguous pairs explain anything: each side must have exactly one partner among all the
-- agency's program-years of that year (flagged or not), so two candidates give no explanation. Both
-- sides must be findings of this run (a gap within the rules' tolerances is noise, not misfiled
-- money). A side whose own gap another explanation already accounts for - a fiscal_year_shift, or
-- any explanation that closes the gap (rows of explanations_current, filled before this runs, see
-- priority) - is no candidate: that money is accounted for elsewhere. Both findings of a pair are
-- explained, each naming the other ALN in related_program_number.
WITH py AS (
    SELECT program_number, fiscal_year, split_part(program_number, '.', 1) AS prefix, lower(agency) AS agency,
           sam_actual, usaspending_obligations,
           coalesce(sam_actual, 0) - coalesce(usaspending_obligations, 0) AS net
    FROM recon.program_year
    WHERE fiscal_year_completed
),
accounted AS (
    SELECT DISTINCT program_number, fiscal_year FROM explanations_current
    WHERE explanation = 'fiscal_year_shift' OR closes_gap
),
short_side AS (   -- SAM.gov's actual exceeds USAspending
    SELECT py.*, net AS amount FROM py
    WHERE net > 0 AND sam_actual > 0
      AND NOT EXISTS (SELECT 1 FROM accounted AS a
                      WHERE a.program_number = py.program_number AND a.fiscal_year = py.fiscal_year)
),
excess_side AS (  -- USAspending exceeds SAM.gov's actual, or has obligations SAM.gov has no actual for
    SELECT py.*, -net AS amount FROM py
    WHERE net < 0 AND usaspending_obligations > 0
      AND NOT EXISTS (SELECT 1 FROM accounted AS a
                      WHERE a.program_number = py.program_number AND a.fiscal_year = py.fiscal_year)
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
),
flagged AS (
    SELECT u.*
    FROM unambiguous AS u
    WHERE EXISTS (SELECT 1 FROM findings_current AS c
                  WHERE c.program_number = u.short_program AND c.fiscal_year = u.fiscal_year
                    AND c.rule_id IN ('actual_not_in_usaspending', 'amount_mismatch'))
      AND EXISTS (SELECT 1 FROM findings_current AS c
                  WHERE c.program_number = u.excess_program AND c.fiscal_year = u.fiscal_year
                    AND c.rule_id IN ('obligations_not_in_sam', 'amount_mismatch'))
)
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER AS related_fiscal_year,
       'appears_under' AS variant, u.excess_program AS related_program_number,
       u.short_amount AS amount, u.excess_amount AS other_amount, TRUE AS closes_gap
FROM findings_current AS c
JOIN flagged AS u ON u.short_program = c.program_number AND u.fiscal_year = c.fiscal_year
WHERE c.rule_id IN ('actual_not_in_usaspending', 'amount_mismatch')
UNION ALL
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER,
       'booked_under', u.short_program,
       u.excess_amount, u.short_amount, TRUE
FROM findings_current AS c
JOIN flagged AS u ON u.excess_program = c.program_number AND u.fiscal_year = c.fiscal_year
WHERE c.rule_id IN ('obligations_not_in_sam', 'amount_mismatch')

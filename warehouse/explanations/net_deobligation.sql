-- net_deobligation: USAspending's total for the year is negative - deobligations of earlier awards,
-- dated in this year, exceed new obligations, so the two figures cannot agree.
SELECT c.program_number, c.fiscal_year, c.rule_id, NULL::INTEGER AS related_fiscal_year, c.usaspending_amount
FROM findings_current AS c
WHERE c.usaspending_amount < 0

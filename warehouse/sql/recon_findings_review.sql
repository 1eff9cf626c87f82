-- Copy the analyst's latest review of each finding onto recon.findings. An annotation names a
-- program-year and optionally a rule; one without a rule covers every rule of that program-year.
-- The most recent applicable annotation wins.
UPDATE recon.findings SET review_status = NULL, review_note = NULL
WHERE review_status IS NOT NULL OR review_note IS NOT NULL;

UPDATE recon.findings AS f
SET review_status = a.status, review_note = a.note
FROM (
    SELECT f2.program_number, f2.fiscal_year, f2.rule_id, a2.status, a2.note
    FROM recon.findings AS f2
    JOIN recon.annotations AS a2
      ON a2.program_number = f2.program_number
     AND a2.fiscal_year = f2.fiscal_year
     AND (a2.rule_id IS NULL OR a2.rule_id = f2.rule_id)
    QUALIFY row_number() OVER (PARTITION BY f2.program_number, f2.fiscal_year, f2.rule_id
                               ORDER BY a2.annotated_at DESC, a2.rule_id NULLS LAST) = 1
) AS a
WHERE f.program_number = a.program_number AND f.fiscal_year = a.fiscal_year AND f.rule_id = a.rule_id;

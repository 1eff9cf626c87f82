-- unlisted_program: USAspending obligations under a number SAM.gov does not list: never listed, no longer
-- listed (neither active nor archived any more), renumbered (its listing moved to another number,
-- named), or whose listing was archived before that year (it is inactive and its last SAM.gov figure
-- is for an earlier year).
WITH last_sam_year AS (
    SELECT program_number, max(fiscal_year) AS last_year
    FROM staging.sam_lines_chosen
    WHERE sam_actual IS NOT NULL OR sam_estimate IS NOT NULL
    GROUP BY program_number
),
moved AS (
    SELECT program_number, min(renumbered_to) AS new_number
    FROM staging.sam_listings
    WHERE renumbered_to IS NOT NULL AND no_longer_listed
    GROUP BY program_number
)
SELECT c.program_number, c.fiscal_year, c.rule_id, l.last_year AS related_fiscal_year,
       CASE WHEN p.sam_listed THEN 'archived'
            WHEN p.sam_status = 'renumbered' THEN 'renumbered'
            WHEN p.sam_status = 'no longer listed' THEN 'no_longer_listed'
            ELSE 'not_listed' END AS variant,
       c.usaspending_amount,
       CASE WHEN NOT p.sam_listed AND p.sam_status = 'renumbered' THEN m.new_number END AS related_program_number
FROM findings_current AS c
JOIN recon.program_year AS p USING (program_number, fiscal_year)
LEFT JOIN last_sam_year AS l USING (program_number)
LEFT JOIN moved AS m USING (program_number)
WHERE c.usaspending_amount IS NOT NULL AND c.usaspending_amount <> 0
  AND (NOT p.sam_listed
       OR (lower(coalesce(p.sam_status, '')) IN ('inactive', 'archived')
           AND (l.last_year IS NULL OR l.last_year < c.fiscal_year)))

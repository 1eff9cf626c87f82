-- recon.leads: the findings that deserve an analyst's morning - open findings with neither a
-- legitimate explanation nor a non-reporting characterization (triage = 'lead'), largest first,
-- with the fiscal years in which USAspending does record obligations for the program. Because
-- never_reported takes every program with no such year, a lead's program reports in other years
-- (unless the warehouse holds fewer years than never_reported.min_years_held). Rebuilt with the
-- findings; a view, so annotations show at once.
CREATE OR REPLACE VIEW recon.leads AS
WITH history AS (
    SELECT program_number, fiscal_year FROM recon.program_year WHERE usaspending_obligations <> 0
    UNION
    SELECT program_number, fiscal_year FROM staging.usaspending_all_years WHERE usaspending_obligations <> 0
),
reported AS (
    SELECT program_number, list(DISTINCT fiscal_year ORDER BY fiscal_year) AS reported_years
    FROM history
    GROUP BY program_number
)
SELECT f.program_number,
       f.fiscal_year,
       f.rule_id,
       f.severity,
       f.status,
       p.program_title,
       p.agency,
       p.sub_agency,
       f.sam_amount,
       f.usaspending_amount,
       f.difference,
       f.at_stake,
       coalesce(r.reported_years, []::INTEGER[]) AS reported_years,
       f.message,
       f.review_status,
       f.review_note
FROM recon.findings AS f
LEFT JOIN recon.program_year AS p USING (program_number, fiscal_year)
LEFT JOIN reported AS r USING (program_number)
WHERE f.status <> 'resolved' AND NOT coalesce(f.out_of_window, false) AND NOT coalesce(f.rule_disabled, false)
  AND f.triage = 'lead'
ORDER BY at_stake DESC, f.program_number, f.fiscal_year, f.rule_id;

-- recon.leads: the findings that deserve an analyst's morning - open findings with no pending figure,
-- legitimate explanation or non-reporting characterization (triage = 'lead') on a program-year that
-- sits in the lead bucket (recon.program_year_triage: none of its findings is more decisive), ordered
-- by severity, then the dollars at stake of the program-year (its one amount: an info finding never
-- outranks an error, and two findings of one program-year weigh the same), with the fiscal years in
-- which USAspending does record obligations for the program. Because never_reported takes every program
-- with no such year, a lead's program reports in other years (unless the warehouse holds fewer years than
-- never_reported.min_years_held). Rebuilt with the findings; a view, so annotations show at once. A view
-- cannot use the macros: the severity order (macro severity_rank) is spelled out.
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
       t.at_stake AS program_year_at_stake,
       f.sam_figure,
       coalesce(r.reported_years, []::INTEGER[]) AS reported_years,
       f.message,
       f.review_status,
       f.review_note
FROM recon.findings AS f
JOIN recon.program_year_triage AS t USING (program_number, fiscal_year)
LEFT JOIN recon.program_year AS p USING (program_number, fiscal_year)
LEFT JOIN reported AS r USING (program_number)
WHERE f.status <> 'resolved' AND NOT coalesce(f.out_of_window, false) AND NOT coalesce(f.rule_disabled, false)
  AND f.triage = 'lead' AND t.triage = 'lead'
ORDER BY coalesce(list_position(['error', 'warning', 'info'], f.severity), 4), t.at_stake DESC, f.at_stake DESC,
         f.program_number, f.fiscal_year, f.rule_id;

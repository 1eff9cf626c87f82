-- recon.program_year_triage: one row per program-year with open findings, the unit every total counts.
-- A program-year whose SAM.gov estimate stands without an actual while USAspending records money raises
-- both estimate_only and obligations_not_in_sam: its dollars are one gap, counted once. So each program-year
-- has ONE amount at stake - the largest at_stake of its open findings - and sits in ONE triage bucket - its
-- most decisive finding's (pending, then legitimate, then non_reporting, then lead: macro triage_rank) -, so
-- the buckets' dollars add up to the total. Restatements (figure_restated, triage `restatement`) record a
-- source changing its own figure, no gap between the sources: they are in no bucket and no total.
-- Rebuilt with the findings (warehouse/findings.py) and for an earlier run's report (warehouse/as_of.py);
-- reports read files without it through this query.
CREATE OR REPLACE TABLE recon.program_year_triage AS
WITH open_findings AS (
    SELECT program_number, fiscal_year, rule_id, severity,
           triage_bucket(triage, explanation) AS triage,
           explanation,
           at_stake(difference, sam_amount, usaspending_amount) AS at_stake
    FROM recon.findings
    WHERE counts_as_open(status, out_of_window, rule_disabled)
      AND triage_bucket(triage, explanation) <> 'restatement'
),
decided AS (   -- the finding that puts the program-year in its bucket: the most decisive, then the most severe
    SELECT program_number, fiscal_year, triage, explanation
    FROM open_findings
    QUALIFY row_number() OVER (PARTITION BY program_number, fiscal_year
                               ORDER BY triage_rank(triage), severity_rank(severity), at_stake DESC, rule_id) = 1
)
SELECT o.program_number,
       o.fiscal_year,
       d.triage,
       d.explanation,
       max(o.at_stake)::DECIMAL(18,2) AS at_stake,
       arg_min(o.severity, severity_rank(o.severity)) AS severity,
       count(*) AS findings,
       list(o.rule_id ORDER BY severity_rank(o.severity), o.rule_id) AS rule_ids
FROM open_findings AS o
JOIN decided AS d USING (program_number, fiscal_year)
GROUP BY o.program_number, o.fiscal_year, d.triage, d.explanation
ORDER BY o.program_number, o.fiscal_year;

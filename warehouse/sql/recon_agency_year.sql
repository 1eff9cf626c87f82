-- recon.agency_year: per agency and fiscal year, how far the two sources agree - the roll-up
-- USAspending's own discrepancy pages give per agency. Built after the findings of the run.
-- "Dollars compared" weighs each program-year by its larger side, so a program missing from one
-- source still counts with the dollars the other source reports. Dollars at stake count each
-- program-year once, at its one amount, in its one bucket (recon.program_year_triage); a bucket's
-- findings are the open findings of its program-years; "explained" is the pending and legitimate
-- buckets (macro is_explained). The per-rule counts are each rule's own open findings.
CREATE OR REPLACE TABLE recon.agency_year AS
WITH py AS (
    SELECT agency_or_unknown(agency) AS agency,
           program_number,
           fiscal_year,
           sam_actual,
           usaspending_obligations,
           greatest(abs(coalesce(sam_actual, 0)), abs(coalesce(usaspending_obligations, 0))) AS weight
    FROM recon.program_year
),
open_findings AS (
    SELECT f.program_number, f.fiscal_year, f.rule_id
    FROM recon.findings AS f
    WHERE counts_as_open(f.status, f.out_of_window, f.rule_disabled)
),
flagged AS (
    SELECT DISTINCT program_number, fiscal_year FROM open_findings
),
per_py AS (
    SELECT py.*, fl.program_number IS NOT NULL AS flagged
    FROM py LEFT JOIN flagged AS fl USING (program_number, fiscal_year)
),
agg AS (
    SELECT agency,
           fiscal_year,
           count(*) AS programs_compared,
           count(*) FILTER (WHERE sam_actual IS NOT NULL AND usaspending_obligations IS NOT NULL) AS programs_both_sides,
           sum(sam_actual)::DECIMAL(18,2) AS sam_actual,
           sum(usaspending_obligations)::DECIMAL(18,2) AS usaspending_obligations,
           sum(weight)::DECIMAL(18,2) AS dollars_compared,
           coalesce(sum(weight) FILTER (WHERE NOT flagged), 0)::DECIMAL(18,2) AS dollars_within_tolerance
    FROM per_py
    GROUP BY agency, fiscal_year
),
by_rule AS (
    SELECT agency_or_unknown(p.agency) AS agency,
           o.fiscal_year,
           count(*) AS findings,
           count(*) FILTER (WHERE o.rule_id = 'actual_not_in_usaspending') AS findings_actual_not_in_usaspending,
           count(*) FILTER (WHERE o.rule_id = 'obligations_not_in_sam') AS findings_obligations_not_in_sam,
           count(*) FILTER (WHERE o.rule_id = 'amount_mismatch') AS findings_amount_mismatch,
           count(*) FILTER (WHERE o.rule_id = 'estimate_only') AS findings_estimate_only
    FROM open_findings AS o
    JOIN recon.program_year AS p USING (program_number, fiscal_year)
    GROUP BY ALL
),
by_bucket AS (   -- each program-year once, in its bucket, at its one amount
    SELECT agency_or_unknown(p.agency) AS agency,
           t.fiscal_year,
           sum(t.findings) FILTER (WHERE is_explained(t.triage, NULL)) AS findings_explained,
           sum(t.at_stake)::DECIMAL(18,2) AS dollars_at_stake,
           sum(t.at_stake) FILTER (WHERE is_explained(t.triage, NULL))::DECIMAL(18,2) AS dollars_explained,
           sum(t.findings) FILTER (WHERE t.triage = 'pending') AS findings_pending,
           sum(t.at_stake) FILTER (WHERE t.triage = 'pending')::DECIMAL(18,2) AS dollars_pending,
           sum(t.findings) FILTER (WHERE t.triage = 'non_reporting') AS findings_non_reporting,
           sum(t.at_stake) FILTER (WHERE t.triage = 'non_reporting')::DECIMAL(18,2) AS dollars_non_reporting,
           sum(t.findings) FILTER (WHERE t.triage = 'lead') AS findings_leads,
           sum(t.at_stake) FILTER (WHERE t.triage = 'lead')::DECIMAL(18,2) AS dollars_leads
    FROM recon.program_year_triage AS t
    JOIN recon.program_year AS p USING (program_number, fiscal_year)
    GROUP BY ALL
),
f AS (
    SELECT * FROM by_rule LEFT JOIN by_bucket USING (agency, fiscal_year)
)
SELECT a.agency,
       a.fiscal_year,
       a.programs_compared,
       a.programs_both_sides,
       a.sam_actual,
       a.usaspending_obligations,
       a.dollars_compared,
       a.dollars_within_tolerance,
       CASE WHEN a.dollars_compared > 0
            THEN (a.dollars_within_tolerance / a.dollars_compared)::DECIMAL(7,4) END AS share_within_tolerance,
       coalesce(f.findings, 0) AS findings,
       coalesce(f.findings_explained, 0) AS findings_explained,
       coalesce(f.dollars_at_stake, 0)::DECIMAL(18,2) AS dollars_at_stake,
       coalesce(f.dollars_explained, 0)::DECIMAL(18,2) AS dollars_explained,
       coalesce(f.findings_actual_not_in_usaspending, 0) AS findings_actual_not_in_usaspending,
       coalesce(f.findings_obligations_not_in_sam, 0) AS findings_obligations_not_in_sam,
       coalesce(f.findings_amount_mismatch, 0) AS findings_amount_mismatch,
       coalesce(f.findings_estimate_only, 0) AS findings_estimate_only,
       coalesce(f.findings_pending, 0) AS findings_pending,
       coalesce(f.dollars_pending, 0)::DECIMAL(18,2) AS dollars_pending,
       coalesce(f.findings_non_reporting, 0) AS findings_non_reporting,
       coalesce(f.dollars_non_reporting, 0)::DECIMAL(18,2) AS dollars_non_reporting,
       coalesce(f.findings_leads, 0) AS findings_leads,
       coalesce(f.dollars_leads, 0)::DECIMAL(18,2) AS dollars_leads
FROM agg AS a
LEFT JOIN f USING (agency, fiscal_year)
ORDER BY a.agency, a.fiscal_year;

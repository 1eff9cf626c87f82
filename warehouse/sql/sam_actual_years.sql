-- sam_actual_years (a temp table, rebuilt before every explanation pass): per fiscal year SAM.gov shows,
-- whether its actuals are due on the run date (the rules that read it flag completed years only).
-- SAM.gov listings get a year's actuals in their annual update during the following year, so a
-- completed year's actuals are due
--   * $lag_months after the year ended (FY N: from 1 October N plus the lag), or
--   * sooner, once more than $due_share of the listings showing the year report an actual for it:
--     most listings have had their update, and the missing actuals are what they are.
-- "Listings showing the year": program-years whose SAM.gov listing states the year (sam_lines > 0,
-- carried forward ones too); "report an actual": sam_actual is not NULL (an explicit 0 is a report,
-- and so is a partial actual). The settings are the pending explanation's (sam_actual_not_yet_due in
-- explanations.yaml); the SAM.gov-side explanations read this table: sam_actual_not_yet_due where a year
-- is not due, the SAM.gov-side characterizations only where it is.
-- Parameters: $run_date (meta.runs.as_of), $lag_months, $due_share.
CREATE OR REPLACE TEMP TABLE sam_actual_years AS
WITH shown AS (
    SELECT fiscal_year,
           count(*) AS listings,
           count(*) FILTER (WHERE sam_actual IS NOT NULL) AS reporting
    FROM recon.program_year
    WHERE sam_lines > 0
    GROUP BY fiscal_year
)
SELECT fiscal_year,
       listings,
       reporting,
       (reporting / listings)::DECIMAL(9,4) AS reported_share,
       CAST(make_date(fiscal_year, 10, 1) + to_months(CAST($lag_months AS INTEGER)) AS DATE) AS due_on,
       CAST($run_date AS DATE) >= CAST(make_date(fiscal_year, 10, 1) + to_months(CAST($lag_months AS INTEGER)) AS DATE)
           OR reporting > $due_share * listings AS due
FROM shown;

-- The report's per-agency roll-up over a run's scope (summary.md's "By agency" and report.html's
-- overview read these rows): programs counted once across the run's years, both sources' dollars,
-- the open findings and their dollars at stake - each program-year once, at its one amount - with the
-- explained part apart, and the dollars compared and within tolerance summed over the agency's years in
-- recon.agency_year.
-- A query, not a table: the scope is the reported run's ($fiscal_years: NULL for every year;
-- $programs: empty for every program), and the report reads files made by older versions.
-- The caller binds three inputs by name, as the file at hand allows (spendrecon/report/queries.py):
--   py             recon.program_year (or an empty stand-in)
--   open_program_years  recon.program_year_triage (or its query): program_number, fiscal_year, findings
--                  (open findings), at_stake (the program-year's one amount), explained (its bucket has a
--                  known reason)
--   ay             recon.agency_year (or its query, or an empty stand-in)
-- as common table expressions put ahead of this query's own (agency_totals_query in queries.py).
WITH compared AS (
    SELECT agency_or_unknown(agency) AS agency,
           count(DISTINCT program_number) AS programs,
           sum(sam_actual) AS sam_actual,
           sum(usaspending_obligations) AS usaspending_obligations
    FROM py
    WHERE ($fiscal_years::INTEGER[] IS NULL OR list_contains($fiscal_years::INTEGER[], fiscal_year))
      AND program_in_scope($programs::VARCHAR[], program_number)
    GROUP BY 1
),
found AS (
    SELECT agency_or_unknown(py.agency) AS agency,
           sum(o.findings) AS findings,
           coalesce(sum(o.findings) FILTER (WHERE o.explained), 0) AS explained,
           sum(o.at_stake) AS at_stake,
           coalesce(sum(o.at_stake) FILTER (WHERE o.explained), 0) AS explained_at_stake
    FROM open_program_years AS o
    LEFT JOIN py USING (program_number, fiscal_year)
    GROUP BY 1
),
tolerance AS (
    SELECT agency,
           sum(dollars_compared) AS dollars_compared,
           sum(dollars_within_tolerance) AS dollars_within_tolerance
    FROM ay
    WHERE $fiscal_years::INTEGER[] IS NULL OR list_contains($fiscal_years::INTEGER[], fiscal_year)
    GROUP BY 1
)
SELECT coalesce(c.agency, f.agency, t.agency) AS agency,
       coalesce(c.programs, 0) AS programs,
       c.sam_actual,
       c.usaspending_obligations,
       coalesce(f.findings, 0) AS findings,
       coalesce(f.explained, 0) AS explained,
       coalesce(f.at_stake, 0)::DECIMAL(38,2) AS at_stake,
       coalesce(f.explained_at_stake, 0)::DECIMAL(38,2) AS explained_at_stake,
       t.dollars_compared::DECIMAL(38,2) AS dollars_compared,
       t.dollars_within_tolerance::DECIMAL(38,2) AS dollars_within_tolerance
FROM compared AS c
FULL OUTER JOIN found AS f ON c.agency = f.agency
FULL OUTER JOIN tolerance AS t ON coalesce(c.agency, f.agency) = t.agency
ORDER BY at_stake DESC, findings DESC, agency;

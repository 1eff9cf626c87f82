-- recon.program_year: one row per program and fiscal year seen in either source.
-- NULL where a source gave no figure, 0 where it said 0. Rebuilt from staging on every run.
-- Parameter: $current_fiscal_year (the fiscal year in progress on the run date).
CREATE OR REPLACE TABLE recon.program_year AS
WITH listing AS (
    SELECT * FROM staging.sam_listing_chosen
),
year_context AS (
    -- Past years keep the agency and title they had: the program's description as SAM.gov gave it when
    -- the fiscal year ended (the latest version from a run dated on or before 30 September of that
    -- year; the earliest version when no run was that early). A year still running gets the current one.
    SELECT y.program_number, y.fiscal_year, h.title, h.department, h.agency
    FROM (SELECT DISTINCT program_number, fiscal_year FROM staging.sam_obligations
          UNION SELECT DISTINCT program_number, fiscal_year FROM staging.usaspending_program_year) AS y
    JOIN recon.context_history AS h USING (program_number)
    QUALIFY row_number() OVER (
        PARTITION BY y.program_number, y.fiscal_year
        ORDER BY h.valid_from_date <= make_date(y.fiscal_year, 9, 30) DESC,
                 CASE WHEN h.valid_from_date <= make_date(y.fiscal_year, 9, 30) THEN h.valid_from_date END DESC,
                 CASE WHEN h.valid_from_date <= make_date(y.fiscal_year, 9, 30) THEN h.valid_from_run END DESC,
                 h.valid_from_date, h.valid_from_run
    ) = 1
),
sam AS (
    -- Sum the per-assistance-type lines; SUM keeps NULL when no line gave a figure. A line with an
    -- estimate but no actual makes the actual partial: it is flagged, never silently complete.
    SELECT program_number,
           fiscal_year,
           sum(sam_estimate) AS sam_estimate,
           sum(sam_actual) AS sam_actual,
           sum(sam_estimate) FILTER (WHERE sam_actual IS NULL) AS sam_estimate_without_actual,
           count(*) AS sam_lines,
           -- Lines SAM.gov stopped showing are carried forward as last reported (absent is not changed).
           bool_or(coalesce(carried_forward, false)) AS sam_carried_forward,
           max(run_id) FILTER (WHERE carried_forward) AS sam_carried_from_run,
           -- The listing and run that stated the year (one of each: staging_sam_chosen.sql).
           any_value(program_id) AS sam_listing_id,
           any_value(run_id) AS sam_stated_run
    FROM staging.sam_lines_chosen
    GROUP BY program_number, fiscal_year
),
renumbered AS (
    -- Years whose figures left with a renumbered listing and that no other listing of the number states.
    SELECT program_number, fiscal_year, min(renumbered_to) AS renumbered_to
    FROM staging.sam_obligations AS o
    WHERE renumbered_to IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM staging.sam_lines_chosen AS c
                      WHERE c.program_number = o.program_number AND c.fiscal_year = o.fiscal_year)
    GROUP BY program_number, fiscal_year
),
usas AS (
    SELECT * FROM staging.usaspending_program_year
),
keys AS (
    SELECT program_number, fiscal_year FROM sam
    UNION
    SELECT program_number, fiscal_year FROM renumbered
    UNION
    SELECT program_number, fiscal_year FROM usas
)
SELECT k.program_number,
       k.fiscal_year,
       coalesce(c.title, l.title, u.program_title) AS program_title,
       coalesce(c.department, c.agency, l.department, l.agency, p.agency) AS agency,
       CASE WHEN c.program_number IS NOT NULL THEN (CASE WHEN c.agency IS DISTINCT FROM c.department THEN c.agency END)
            WHEN l.agency IS DISTINCT FROM l.department THEN l.agency END AS sub_agency,
       s.sam_estimate::DECIMAL(18,2) AS sam_estimate,
       s.sam_actual::DECIMAL(18,2) AS sam_actual,
       u.usaspending_obligations::DECIMAL(18,2) AS usaspending_obligations,
       (s.sam_actual - u.usaspending_obligations)::DECIMAL(18,2) AS difference,
       s.sam_actual IS NOT NULL AND s.sam_estimate_without_actual IS NOT NULL AS sam_actual_partial,
       s.sam_estimate_without_actual::DECIMAL(18,2) AS sam_estimate_without_actual,
       -- Listed: SAM.gov lists the number now. One it no longer lists (gone, or renumbered) says so.
       l.program_number IS NOT NULL AND NOT coalesce(l.no_longer_listed, false) AS sam_listed,
       CASE WHEN l.renumbered_to IS NOT NULL AND coalesce(l.no_longer_listed, false) THEN 'renumbered'
            WHEN l.no_longer_listed THEN 'no longer listed'
            ELSE l.status END AS sam_status,
       l.assistance_types AS sam_assistance_types,
       coalesce(s.sam_lines, 0) AS sam_lines,
       u.program_title AS usaspending_title,
       u.source AS usaspending_source,
       u.loan_face_value::DECIMAL(18,2) AS usaspending_loan_face_value,
       u.loan_subsidy_cost::DECIMAL(18,2) AS usaspending_loan_subsidy_cost,
       u.transaction_count AS usaspending_transactions,
       u.award_count AS usaspending_awards,
       k.fiscal_year < $current_fiscal_year AS fiscal_year_completed,
       coalesce(s.sam_carried_forward, false) AS sam_carried_forward,
       s.sam_carried_from_run,
       coalesce(l.no_longer_listed, false) AS sam_no_longer_listed,
       coalesce(u.carried_forward, false) AS usaspending_carried_forward,
       CASE WHEN u.carried_forward THEN u.run_id END AS usaspending_carried_from_run,
       s.sam_listing_id,
       s.sam_stated_run,
       r.renumbered_to AS sam_renumbered_to,
       u.last_reported_run AS usaspending_last_reported_run
FROM keys AS k
LEFT JOIN sam AS s USING (program_number, fiscal_year)
LEFT JOIN usas AS u USING (program_number, fiscal_year)
LEFT JOIN renumbered AS r USING (program_number, fiscal_year)
LEFT JOIN listing AS l ON l.program_number = k.program_number
LEFT JOIN year_context AS c ON c.program_number = k.program_number AND c.fiscal_year = k.fiscal_year
LEFT JOIN staging.agency_prefixes AS p ON p.prefix = split_part(k.program_number, '.', 1)
ORDER BY k.program_number, k.fiscal_year;

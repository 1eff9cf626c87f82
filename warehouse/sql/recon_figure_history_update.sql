-- Record this run's figures in recon.figure_history: close the versions the sources restated and
-- open new ones. Only what a source said this run counts (staging rows with this run's run_id);
-- carried-forward rows were not said again, so their versions stay open.
-- Parameters: $run_id, $fiscal_years, $programs (empty: every program), $now (fallback fetch time)
CREATE OR REPLACE TEMP TABLE figures_said AS
WITH sam_fetched AS (
    SELECT coalesce(
        (SELECT max(fetched_at) FROM raw.sam_page_refs WHERE run_id = $run_id),
        (SELECT max(fetched_at) FROM raw.sam_public_document_refs WHERE run_id = $run_id),
        $now::TIMESTAMP) AS fetched_at
),
usas_fetched AS (
    SELECT fiscal_year, max(fetched_at) AS fetched_at
    FROM raw.usaspending_page_refs WHERE run_id = $run_id GROUP BY fiscal_year
),
lines AS MATERIALIZED (
    SELECT program_number, fiscal_year, coalesce(assistance_type_code, '?') AS line,
           sum(sam_estimate) AS sam_estimate, sum(sam_actual) AS sam_actual,
           any_value(program_id) AS listing_id  -- one listing states a program-year (staging_sam_chosen.sql)
    FROM staging.sam_lines_chosen
    WHERE run_id = $run_id
      AND in_scope($fiscal_years, $programs, fiscal_year, program_number)
    GROUP BY ALL
),
sam AS MATERIALIZED (
    SELECT program_number, fiscal_year, line, sam_estimate, sam_actual, listing_id FROM lines
    UNION ALL
    SELECT program_number, fiscal_year, 'total', sum(sam_estimate), sum(sam_actual), any_value(listing_id)
    FROM lines GROUP BY program_number, fiscal_year
),
usas AS MATERIALIZED (
    SELECT u.program_number, u.fiscal_year, u.usaspending_obligations, u.loan_face_value, u.loan_subsidy_cost, u.source,
           coalesce(f.fetched_at, $now::TIMESTAMP) AS fetched_at
    FROM staging.usaspending_program_year AS u
    LEFT JOIN usas_fetched AS f USING (fiscal_year)
    WHERE u.run_id = $run_id
      AND in_scope($fiscal_years, $programs, u.fiscal_year, u.program_number)
)
SELECT 'sam' AS source, program_number, fiscal_year, line, 'estimate' AS measure,
       sam_estimate::DECIMAL(18,2) AS value, (SELECT fetched_at FROM sam_fetched) AS fetched_at, listing_id FROM sam
UNION ALL
SELECT 'sam', program_number, fiscal_year, line, 'actual', sam_actual::DECIMAL(18,2),
       (SELECT fetched_at FROM sam_fetched), listing_id FROM sam
UNION ALL
SELECT 'usaspending', program_number, fiscal_year, 'total', 'obligations', usaspending_obligations::DECIMAL(18,2), fetched_at, NULL::VARCHAR
FROM usas
UNION ALL
SELECT 'usaspending', program_number, fiscal_year, 'total', 'loan_face_value', loan_face_value::DECIMAL(18,2),
       fetched_at, NULL::VARCHAR
FROM usas WHERE source = 'archive'
UNION ALL
SELECT 'usaspending', program_number, fiscal_year, 'total', 'loan_subsidy_cost', loan_subsidy_cost::DECIMAL(18,2),
       fetched_at, NULL::VARCHAR
FROM usas WHERE source = 'archive';

-- Close what changed, and the lines of a program-year the source restated without them. A measure
-- the run does not state at all is absent, not changed: usaspending.mode api states no loan measure,
-- so the archive's loan_face_value and loan_subsidy_cost versions stay open through API-mode runs.
UPDATE recon.figure_history AS h
SET valid_to_run = $run_id
WHERE h.valid_to_run IS NULL
  AND EXISTS (
      SELECT 1 FROM figures_said AS s
      WHERE s.source = h.source AND s.program_number = h.program_number AND s.fiscal_year = h.fiscal_year
        AND s.line = 'total' AND s.measure = h.measure
  )
  AND NOT EXISTS (
      SELECT 1 FROM figures_said AS s
      WHERE s.source = h.source AND s.program_number = h.program_number AND s.fiscal_year = h.fiscal_year
        AND s.line = h.line AND s.measure = h.measure AND s.value IS NOT DISTINCT FROM h.value
  );

INSERT INTO recon.figure_history
    (source, program_number, fiscal_year, line, measure, value, valid_from_run, valid_to_run, fetched_at, listing_id)
SELECT s.source, s.program_number, s.fiscal_year, s.line, s.measure, s.value, $run_id, NULL, s.fetched_at,
       s.listing_id
FROM figures_said AS s
WHERE NOT EXISTS (
    SELECT 1 FROM recon.figure_history AS h
    WHERE h.valid_to_run IS NULL AND h.source = s.source AND h.program_number = s.program_number
      AND h.fiscal_year = s.fiscal_year AND h.line = s.line AND h.measure = s.measure
);

-- A program-year whose SAM.gov figures left with a renumbered listing (no listing of the number states
-- it now): its versions close with no successor, saying why. The figures open under the new number.
UPDATE recon.figure_history AS h
SET valid_to_run = $run_id, closed_reason = 'renumbered'
WHERE h.valid_to_run IS NULL
  AND h.source = 'sam'
  AND in_scope($fiscal_years, $programs, h.fiscal_year, h.program_number)
  AND EXISTS (SELECT 1 FROM staging.sam_obligations AS o
              WHERE o.renumbered_to IS NOT NULL AND o.program_number = h.program_number
                AND o.fiscal_year = h.fiscal_year)
  AND NOT EXISTS (SELECT 1 FROM staging.sam_lines_chosen AS c
                  WHERE c.program_number = h.program_number AND c.fiscal_year = h.fiscal_year);

DROP TABLE figures_said;

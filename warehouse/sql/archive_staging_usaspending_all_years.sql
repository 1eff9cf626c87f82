-- The archive store (ATTACHed read-only; read through the temporary view
-- temp.main.archive_program_year that warehouse/archive_load.py creates) -> staging.usaspending_all_years: every fiscal
-- year of the run's programs (all programs when $programs is empty), replacing what an earlier
-- archive run left for them. Read by the never_reported characterization.
DELETE FROM staging.usaspending_all_years
WHERE program_in_scope($programs, program_number);

INSERT INTO staging.usaspending_all_years (run_id, program_number, fiscal_year, usaspending_obligations)
SELECT $run_id, program_number, fiscal_year, obligations::DECIMAL(18,2)  -- the archive store's name
FROM temp.main.archive_program_year
WHERE program_in_scope($programs, program_number)
  AND program_number IS NOT NULL;

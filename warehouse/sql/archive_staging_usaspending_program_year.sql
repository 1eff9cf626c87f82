-- The bridge from the archive store (ATTACHed read-only; read through the temporary view
-- temp.main.archive_program_year that warehouse/archive_load.py creates) to the warehouse being built:
-- replace the run's scope in staging.usaspending_program_year with the archive's aggregates.
-- Parameters: $run_id, $fiscal_years, $programs (empty: every program)
DELETE FROM staging.usaspending_program_year
WHERE in_scope($fiscal_years, $programs, fiscal_year, program_number);

INSERT INTO staging.usaspending_program_year (
    run_id, program_number, fiscal_year, program_title, usaspending_obligations, source,
    federal_action_obligation, loan_face_value, loan_subsidy_cost, transaction_count, award_count)
SELECT $run_id,
       program_number,
       fiscal_year,
       program_title,
       obligations::DECIMAL(18,2),  -- the archive store's name for it (its own schema)
       'archive',
       federal_action_obligation::DECIMAL(18,2),
       loan_face_value::DECIMAL(18,2),
       loan_subsidy_cost::DECIMAL(18,2),
       transaction_count,
       award_count
FROM temp.main.archive_program_year
WHERE in_scope($fiscal_years, $programs, fiscal_year, program_number)
  AND program_number IS NOT NULL;

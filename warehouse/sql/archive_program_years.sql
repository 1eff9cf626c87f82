-- The archive's figures per program and fiscal year, for the years and programs asked for (no
-- programs: all of them).
-- Parameters: $fiscal_years, $programs
SELECT *
FROM staging.archive_program_year
WHERE in_scope($fiscal_years, $programs, fiscal_year, program_number)
ORDER BY program_number, fiscal_year;

-- The archive's figures per program and fiscal year, for the years and programs asked for (no
-- programs: all of them).
-- Parameters: $fiscal_years, $programs
SELECT *
FROM staging.archive_program_year
WHERE list_contains($fiscal_years, fiscal_year)
  AND (len($programs) = 0 OR list_contains($programs, program_number))
ORDER BY program_number, fiscal_year;

-- Before a run replaces its scope in staging: keep what the sources had said, so that what they
-- no longer say (absent is not changed) can be carried forward afterwards (staging_carry_forward.sql).
-- Parameters: $fiscal_years, $programs (empty: every program)
CREATE OR REPLACE TEMP TABLE carry_sam_listings AS
SELECT * FROM staging.sam_listings
WHERE len($programs) = 0 OR list_contains($programs, program_number);

CREATE OR REPLACE TEMP TABLE carry_sam_obligations AS
SELECT * FROM staging.sam_obligations
WHERE list_contains($fiscal_years, fiscal_year)
  AND (len($programs) = 0 OR list_contains($programs, program_number));

CREATE OR REPLACE TEMP TABLE carry_usaspending AS
SELECT * FROM staging.usaspending_program_year
WHERE list_contains($fiscal_years, fiscal_year)
  AND (len($programs) = 0 OR list_contains($programs, program_number));

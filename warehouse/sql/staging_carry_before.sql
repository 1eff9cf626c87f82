-- Before a run replaces its scope in staging: keep what the sources had said, so that what they
-- no longer say (absent is not changed) can be carried forward afterwards (staging_carry_forward.sql).
-- Parameters: $fiscal_years, $programs (empty: every program)
CREATE OR REPLACE TEMP TABLE carry_sam_listings AS
SELECT * FROM staging.sam_listings
WHERE program_in_scope($programs, program_number);

CREATE OR REPLACE TEMP TABLE carry_sam_obligations AS
SELECT * FROM staging.sam_obligations
WHERE in_scope($fiscal_years, $programs, fiscal_year, program_number);

CREATE OR REPLACE TEMP TABLE carry_usaspending AS
SELECT * FROM staging.usaspending_program_year
WHERE in_scope($fiscal_years, $programs, fiscal_year, program_number);

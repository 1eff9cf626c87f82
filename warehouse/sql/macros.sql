-- Definitions every statement may use, created on each connection spendrecon opens
-- (warehouse/db.py connect), read-only ones too: TEMP, so nothing is written to the file and a
-- file from any version can be read with them. Stored views cannot use them (a plain
-- duckdb.connect has no TEMP macros): such views read the columns these fill instead.

-- The run's program scope: an empty list means every program (Scope.params()).
CREATE OR REPLACE TEMP MACRO program_in_scope(programs, program_number) AS
    len(programs) = 0 OR list_contains(programs, program_number);

-- The run's scope: its fiscal years, and its programs as above.
CREATE OR REPLACE TEMP MACRO in_scope(fiscal_years, programs, fiscal_year, program_number) AS
    list_contains(fiscal_years, fiscal_year) AND program_in_scope(programs, program_number);

-- The dollars a finding puts at stake: the gap when both sides have a figure, otherwise the side
-- that exists (a SAM.gov actual with no USAspending figure is entirely unaccounted for).
-- Stored as recon.findings.at_stake when a run merges its findings.
CREATE OR REPLACE TEMP MACRO at_stake(difference, sam_amount, usaspending_amount) AS
    coalesce(abs(difference), abs(sam_amount), abs(usaspending_amount), 0)::DECIMAL(18,2);

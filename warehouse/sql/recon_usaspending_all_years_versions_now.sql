-- What recon.usaspending_all_years_versions records of this run (warehouse/versions.py): the archive
-- store's obligations per program-year as staging.usaspending_all_years holds them now (none in API mode).
CREATE OR REPLACE TEMP TABLE versions_now AS
SELECT program_number, fiscal_year, usaspending_obligations
FROM staging.usaspending_all_years;

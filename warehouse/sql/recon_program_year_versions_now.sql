-- What recon.program_year_versions records of this run (warehouse/versions.py): each program-year's
-- title, agency and carried-forward runs as recon.program_year holds them now.
CREATE OR REPLACE TEMP TABLE versions_now AS
SELECT program_number, fiscal_year, program_title, agency, sub_agency, sam_carried_from_run,
       usaspending_carried_from_run, sam_renumbered_to, usaspending_last_reported_run
FROM recon.program_year;

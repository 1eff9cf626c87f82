-- staging.usaspending_all_years (archive mode: USAspending's obligations for every fiscal year the
-- archive store held, for the run's programs) as runs left it, kept as changes like
-- recon.finding_versions. recon.leads lists the years a lead's program reports in from it, so an earlier
-- run's report reads it as it was. Empty while runs use the search API (they empty the staging table).
CREATE TABLE IF NOT EXISTS recon.usaspending_all_years_versions (
    program_number          VARCHAR NOT NULL,
    fiscal_year             INTEGER NOT NULL,
    usaspending_obligations DECIMAL(18,2),
    valid_from_run          VARCHAR NOT NULL,
    valid_to_run            VARCHAR
);

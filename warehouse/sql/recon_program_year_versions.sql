-- What a report reads of each program-year besides its figures, kept as changes like
-- recon.finding_versions: its title and agency as recon.program_year gave them (past years keep the
-- agency they had, a year still running takes the current one), and where a figure was carried from.
-- A row per program-year of recon.program_year from valid_from_run until valid_to_run (exclusive; NULL
-- while current); a program-year recon.program_year no longer holds closes its version. The figures
-- themselves are recon.figure_history's (verify's figures_match_history holds at every run).
CREATE TABLE IF NOT EXISTS recon.program_year_versions (
    program_number                VARCHAR NOT NULL,
    fiscal_year                   INTEGER NOT NULL,
    program_title                 VARCHAR,
    agency                        VARCHAR,
    sub_agency                    VARCHAR,
    sam_carried_from_run          VARCHAR,
    usaspending_carried_from_run  VARCHAR,
    sam_renumbered_to             VARCHAR,
    usaspending_last_reported_run VARCHAR,
    valid_from_run                VARCHAR NOT NULL,
    valid_to_run                  VARCHAR
);

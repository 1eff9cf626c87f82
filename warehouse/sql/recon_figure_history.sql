-- What each source said for each program-year, kept as changes (like a dbt snapshot): a row is one
-- figure's value from the run that first saw it (valid_from_run) until the run that saw it change
-- (valid_to_run, exclusive; NULL while it is still what the source says). A run that sees the same
-- value adds nothing, and a figure the source stops showing stays open: absent is not changed.
-- line: 'total' for the program-year's figure, else the SAM.gov assistance type code of one line.
-- measure: estimate | actual (sam); obligations | loan_face_value | loan_subsidy_cost (usaspending).
CREATE TABLE IF NOT EXISTS recon.figure_history (
    source         VARCHAR NOT NULL,        -- sam | usaspending
    program_number VARCHAR NOT NULL,
    fiscal_year    INTEGER NOT NULL,
    line           VARCHAR NOT NULL,
    measure        VARCHAR NOT NULL,
    value          DECIMAL(18,2),           -- NULL: the source explicitly gave no figure
    valid_from_run VARCHAR NOT NULL,
    valid_to_run   VARCHAR,
    fetched_at     TIMESTAMP                -- UTC, when the run fetched it
);

-- Why a version closed without a successor (NULL when a new version followed it): 'renumbered' - SAM.gov
-- now lists the program under another number, where its figures went.
ALTER TABLE recon.figure_history ADD COLUMN IF NOT EXISTS closed_reason VARCHAR;

-- The SAM.gov listing id whose statement opened the version (a revision republished under a new id with
-- the same figures keeps the version, and the id that first said it). NULL for USAspending.
ALTER TABLE recon.figure_history ADD COLUMN IF NOT EXISTS listing_id VARCHAR;

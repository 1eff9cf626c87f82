-- The analyst's review of a program-year (rule_id NULL: every rule of it). The source of truth is
-- the annotations file in the data folder; this table mirrors it on every run and every annotate.
CREATE TABLE IF NOT EXISTS recon.annotations (
    program_number VARCHAR NOT NULL,
    fiscal_year    INTEGER NOT NULL,
    rule_id        VARCHAR,
    status         VARCHAR NOT NULL,   -- accepted | disputed | needs-review
    note           VARCHAR,
    annotated_at   TIMESTAMP NOT NULL,
    author         VARCHAR
);

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

-- What the review saw (warehouse/annotations.py): the warehouse's latest run when it was given, and each
-- finding it covered as it stood then. NULL for lines written before reviews recorded them (older files
-- gain the columns on their next run or annotate).
ALTER TABLE recon.annotations ADD COLUMN IF NOT EXISTS run_id VARCHAR;
ALTER TABLE recon.annotations ADD COLUMN IF NOT EXISTS findings STRUCT(rule_id VARCHAR, status VARCHAR,
    sam_amount DECIMAL(18,2), usaspending_amount DECIMAL(18,2), difference DECIMAL(18,2))[];

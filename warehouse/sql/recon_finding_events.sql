-- Every status change of every finding, with the run where it happened: the findings' history.
CREATE TABLE IF NOT EXISTS recon.finding_events (
    run_id             VARCHAR NOT NULL,
    program_number     VARCHAR NOT NULL,
    fiscal_year        INTEGER NOT NULL,
    rule_id            VARCHAR NOT NULL,
    event              VARCHAR NOT NULL,        -- new | resolved | reopened
    sam_amount         DECIMAL(18,2),
    usaspending_amount DECIMAL(18,2)
);

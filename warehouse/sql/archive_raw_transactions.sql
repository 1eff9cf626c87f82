-- raw.archive_transactions: one row per assistance transaction, as the newest applied archive file
-- says, narrowed to the columns reconciliation and drill-down need (names as in the archive files,
-- except award_description: prime_award_base_transaction_description there).
--
-- Keyed by assistance_transaction_unique_key, upper-cased (older Broker data was not). The key is
-- unique by construction -- every load deletes a key's older row before its new row counts -- and
-- deliberately not by a PRIMARY KEY: DuckDB keeps such an index in memory, and it would grow with
-- the archive (100M+ transactions) while loads must stay in bounded memory.
--
-- The key and the free-text description are stored with ZSTD: their values are (mostly) distinct,
-- so DuckDB's default dictionary+FSST compression spends time building dictionaries that do not
-- help. Measured on the benchmark archive: ~0.3 CPU-s less per million rows loaded (~8%), and a
-- store of the same size (the key shrinks by ~20 MB per 5M rows; the synthetic descriptions, which
-- repeat more than real ones, grow by as much).
-- award_description follows suit: in real files it is one text per award, repeated only on that
-- award's few transactions, so mostly distinct. (In the benchmark archive it is one of ~3,500
-- two-word texts on a third of the rows -- the case dictionaries suit -- and ZSTD makes the store
-- ~4 MB per million rows larger than dictionary+FSST would, at the same load time.)
CREATE TABLE IF NOT EXISTS raw.archive_transactions (
    assistance_transaction_unique_key VARCHAR USING COMPRESSION zstd,  -- NULL only on rows about to be quarantined
    assistance_award_unique_key       VARCHAR,        -- upper-cased
    cfda_number                       VARCHAR,        -- the Assistance Listing number, as text
    cfda_title                        VARCHAR,
    action_date                       DATE,
    action_date_fiscal_year           INTEGER,        -- derived from action_date when the file left it blank
    assistance_type_code              VARCHAR,
    federal_action_obligation         DECIMAL(18,2),  -- blank or 0 for loans (FABS26.1)
    original_loan_subsidy_cost        DECIMAL(18,2),
    face_value_of_loan                DECIMAL(18,2),
    generated_pragmatic_obligations   DECIMAL(18,2),  -- NULL where the file has no such column (before 2023-10-30)
    awarding_agency_code              VARCHAR,
    awarding_agency_name              VARCHAR,
    funding_agency_code               VARCHAR,
    funding_agency_name               VARCHAR,
    record_type_code                  VARCHAR,        -- 1 aggregate, 2 non-aggregate, 3 PII-redacted
    recipient_name                    VARCHAR,
    transaction_description           VARCHAR USING COMPRESSION zstd,  -- this action's text
    award_description                 VARCHAR USING COMPRESSION zstd,  -- the award's (prime_award_base_transaction_description); NULL from files without it
    last_modified_date                TIMESTAMP,
    correction_delete_ind             VARCHAR,        -- NULL: written by a Full file; '' or 'C': by a Delta
    file_id                           INTEGER NOT NULL,  -- meta.archive_files row that wrote it
    file_date                         DATE NOT NULL,     -- that file's date: a Delta never overrides a newer file
    part                              INTEGER NOT NULL,  -- the _N.csv part it came from
    load_problem                      VARCHAR         -- set only while a file loads; such rows move to raw.quarantine
);

-- Stores created before award_description existed: add it (at the end of the table; every
-- statement names its columns, so the position does not matter). A no-op when it is there.
ALTER TABLE raw.archive_transactions ADD COLUMN IF NOT EXISTS award_description VARCHAR USING COMPRESSION zstd;

-- One row per archive file applied to the store (a file that failed leaves no row: its load was
-- rolled back whole). A file whose name and sha256 are already here is skipped.
CREATE TABLE IF NOT EXISTS meta.archive_files (
    file_id          INTEGER PRIMARY KEY,
    file_name        VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,   -- full | delta
    file_date        DATE NOT NULL,
    fiscal_year      INTEGER,            -- Full files: the year they replace
    parts            INTEGER NOT NULL,
    size_bytes       BIGINT NOT NULL,    -- the zip
    csv_bytes        BIGINT NOT NULL,    -- its CSV parts, uncompressed
    rows_loaded      BIGINT NOT NULL,    -- transactions this file wrote (and still holds)
    rows_deleted     BIGINT NOT NULL,    -- stored transactions it removed: its year (Full), D rows, replaced keys
    rows_skipped     BIGINT NOT NULL,    -- its rows not applied: newer data already stored, or repeated keys
    rows_quarantined BIGINT NOT NULL,
    encoding         VARCHAR NOT NULL,   -- utf-8, latin-1, or per part when they differ
    source           VARCHAR,            -- the path or URL it was given as
    ingested_at      TIMESTAMP NOT NULL, -- UTC
    seconds          DOUBLE
);

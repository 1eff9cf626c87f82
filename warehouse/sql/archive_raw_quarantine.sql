-- Rows of archive files that could not be loaded, with where they were and why. Append-only.
-- `line` counts CSV records with the header as line 1: it is the physical line unless a quoted
-- field earlier in the part spans several lines.
-- reason is one of: bad amount, bad date, bad fiscal year, bad value, wrong column count,
-- malformed csv, missing transaction key, missing award key, missing program number, missing
-- action date, unknown correction_delete_ind, `<amount column> has more than 2 decimal places`.
CREATE TABLE IF NOT EXISTS raw.quarantine (
    file_id        INTEGER NOT NULL,
    file_name      VARCHAR NOT NULL,
    part           VARCHAR NOT NULL,   -- the CSV member inside the zip
    line           BIGINT,
    reason         VARCHAR NOT NULL,
    detail         VARCHAR,            -- the column and the parser's message
    raw_text       VARCHAR,            -- the record (or its kept fields), cut to 1,000 characters
    quarantined_at TIMESTAMP NOT NULL  -- UTC
);

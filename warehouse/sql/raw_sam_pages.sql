-- Every SAM.gov response of every run, verbatim. Append-only: SAM.gov overwrites last year's
-- figures in place, so these snapshots are the only history there is.
CREATE TABLE IF NOT EXISTS raw.sam_pages (
    run_id      VARCHAR NOT NULL,
    page_number INTEGER NOT NULL,
    url         VARCHAR NOT NULL,   -- without the api_key
    status_code INTEGER NOT NULL,
    fetched_at  TIMESTAMP NOT NULL,
    body        JSON NOT NULL
);

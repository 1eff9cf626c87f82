-- Every SAM.gov response of every run (failed runs' too: see meta.runs.status), with its body by
-- reference (raw.bodies). Append-only: SAM.gov overwrites last year's figures in place, so these
-- snapshots are the only history there is. Read them whole through the view raw.sam_pages.
CREATE TABLE IF NOT EXISTS raw.sam_page_refs (
    run_id      VARCHAR NOT NULL,
    page_number INTEGER NOT NULL,
    url         VARCHAR NOT NULL,   -- without the api_key
    status_code INTEGER NOT NULL,
    fetched_at  TIMESTAMP NOT NULL,
    body_id     BIGINT NOT NULL     -- raw.bodies
);

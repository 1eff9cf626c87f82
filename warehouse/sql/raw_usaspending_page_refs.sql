-- Every USAspending response of every run (failed runs' too), with the request that produced it and
-- its body by reference (raw.bodies). Append-only. Read them whole through raw.usaspending_pages.
CREATE TABLE IF NOT EXISTS raw.usaspending_page_refs (
    run_id       VARCHAR NOT NULL,
    fiscal_year  INTEGER NOT NULL,
    page_number  INTEGER NOT NULL,
    url          VARCHAR NOT NULL,
    request_body JSON,
    status_code  INTEGER NOT NULL,
    fetched_at   TIMESTAMP NOT NULL,
    body_id      BIGINT NOT NULL      -- raw.bodies
);

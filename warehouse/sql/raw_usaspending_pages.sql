-- Every USAspending response of every run, verbatim, with the request that produced it. Append-only.
CREATE TABLE IF NOT EXISTS raw.usaspending_pages (
    run_id       VARCHAR NOT NULL,
    fiscal_year  INTEGER NOT NULL,
    page_number  INTEGER NOT NULL,
    url          VARCHAR NOT NULL,
    request_body JSON,
    status_code  INTEGER NOT NULL,
    fetched_at   TIMESTAMP NOT NULL,
    body         JSON NOT NULL
);

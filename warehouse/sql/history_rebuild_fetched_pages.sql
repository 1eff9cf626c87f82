-- The replay's scratch database holds no raw pages: one stand-in page per source (and USAspending
-- fiscal year) carries the fetch time history_rebuild_fetched_at.sql read, for the history update.
-- Stand-ins point at no stored body (body_id -1): only their fetched_at is read.
-- Parameters: $run_id, $sam_fetched_at (NULL: no SAM.gov page), $usaspending_years, $usaspending_fetched_at
INSERT INTO raw.sam_page_refs (run_id, page_number, url, status_code, fetched_at, body_id)
SELECT $run_id, 0, 'history rebuild', 200, $sam_fetched_at::TIMESTAMP, -1
WHERE $sam_fetched_at::TIMESTAMP IS NOT NULL;

INSERT INTO raw.usaspending_page_refs (run_id, fiscal_year, page_number, url, request_body, status_code, fetched_at, body_id)
SELECT $run_id, fiscal_year, 0, 'history rebuild', NULL, 200, fetched_at, -1
FROM (SELECT unnest($usaspending_years::INTEGER[]) AS fiscal_year,
             unnest($usaspending_fetched_at::TIMESTAMP[]) AS fetched_at);

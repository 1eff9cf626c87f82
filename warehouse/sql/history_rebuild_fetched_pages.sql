-- The replay's scratch database holds no raw pages: one stand-in page per source (and USAspending
-- fiscal year) carries the fetch time history_rebuild_fetched_at.sql read, for the history update.
-- Parameters: $run_id, $sam_fetched_at (NULL: no SAM.gov page), $usaspending_years, $usaspending_fetched_at
INSERT INTO raw.sam_pages (run_id, page_number, url, status_code, fetched_at, body)
SELECT $run_id, 0, 'history rebuild', 200, $sam_fetched_at::TIMESTAMP, '{}'
WHERE $sam_fetched_at::TIMESTAMP IS NOT NULL;

INSERT INTO raw.usaspending_pages (run_id, fiscal_year, page_number, url, request_body, status_code, fetched_at, body)
SELECT $run_id, fiscal_year, 0, 'history rebuild', NULL, 200, fetched_at, '{}'
FROM (SELECT unnest($usaspending_years::INTEGER[]) AS fiscal_year,
             unnest($usaspending_fetched_at::TIMESTAMP[]) AS fetched_at);

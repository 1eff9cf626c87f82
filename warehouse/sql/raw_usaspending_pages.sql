-- Every USAspending response of every run, verbatim, with the request that produced it:
-- raw.usaspending_page_refs with each body read back whole. Failed runs' pages are here too.
CREATE OR REPLACE VIEW raw.usaspending_pages AS
SELECT r.run_id, r.fiscal_year, r.page_number, r.url, r.request_body, r.status_code, r.fetched_at,
       t.body::JSON AS body
FROM raw.usaspending_page_refs AS r JOIN raw.body_texts AS t USING (body_id);

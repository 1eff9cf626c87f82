-- Every SAM.gov response of every run, verbatim: raw.sam_page_refs with each body read back whole.
-- Failed runs' pages are here too (kept for audit; no figure is taken from them): join meta.runs.
CREATE OR REPLACE VIEW raw.sam_pages AS
SELECT r.run_id, r.page_number, r.url, r.status_code, r.fetched_at, t.body::JSON AS body
FROM raw.sam_page_refs AS r JOIN raw.body_texts AS t USING (body_id);

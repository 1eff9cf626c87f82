-- SAM.gov program documents read in sam.mode public, verbatim: raw.sam_public_document_refs with each
-- body read back whole.
CREATE OR REPLACE VIEW raw.sam_public_documents AS
SELECT r.run_id, r.program_id, r.program_number, r.modified_date, r.fetched_at, t.body::JSON AS body
FROM raw.sam_public_document_refs AS r JOIN raw.body_texts AS t USING (body_id);

-- SAM.gov program documents read in sam.mode public, with their bodies by reference (raw.bodies).
-- Append-only, and only when a document was fetched: a run that reuses an unchanged document (same
-- search-index modifiedDate) adds nothing. The latest row per program_id is what the next run compares
-- modifiedDate with. Read them whole through raw.sam_public_documents.
CREATE TABLE IF NOT EXISTS raw.sam_public_document_refs (
    run_id         VARCHAR NOT NULL,
    program_id     VARCHAR NOT NULL,   -- the search index's _id
    program_number VARCHAR,
    modified_date  VARCHAR,            -- the index's modifiedDate when fetched, as the source wrote it
    fetched_at     TIMESTAMP NOT NULL, -- UTC
    body_id        BIGINT NOT NULL    -- raw.bodies
);

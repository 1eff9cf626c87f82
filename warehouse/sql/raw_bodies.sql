-- Every distinct raw response body, once, as the list of its chunks (raw.body_chunks). A run that
-- receives a body already held stores nothing here; its page rows point at the body. Append-only.
CREATE TABLE IF NOT EXISTS raw.bodies (
    body_hash    VARCHAR NOT NULL,    -- BLAKE2b-128 of the whole body's UTF-8 bytes, hex
    chunk_hashes VARCHAR[] NOT NULL,  -- in order: their texts concatenated are the body, verbatim
    length       BIGINT NOT NULL      -- characters
);

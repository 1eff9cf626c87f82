-- Every distinct raw response body, once, as the list of its chunks (raw.body_chunks). A run that
-- receives a body already held stores nothing here; its page rows point at the body. Append-only.
CREATE TABLE IF NOT EXISTS raw.bodies (
    body_id   BIGINT NOT NULL,    -- given in the order bodies were first stored; what page rows point at
    body_hash VARCHAR NOT NULL,   -- BLAKE2b-128 of the whole body's UTF-8 bytes, hex: how a body is found again
    chunk_ids BIGINT[] NOT NULL,  -- in order: their texts concatenated are the body, verbatim
    length    BIGINT NOT NULL     -- characters
);

-- The pieces every raw response body is cut into (warehouse/raw_store.py), each stored once. Append-only.
-- A body is its chunks concatenated in order (raw.bodies).
CREATE TABLE IF NOT EXISTS raw.body_chunks (
    chunk_id   BIGINT NOT NULL,                              -- given in the order chunks were first stored
    chunk_hash VARCHAR USING COMPRESSION zstd NOT NULL,      -- BLAKE2b-128 of the chunk's UTF-8 bytes, hex
    text       VARCHAR USING COMPRESSION zstd NOT NULL       -- JSON text: zstd packs it 3-5x tighter than the default
);

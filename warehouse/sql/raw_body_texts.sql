-- Each stored body whole again: its chunks concatenated in order, byte for byte what the source sent.
CREATE OR REPLACE VIEW raw.body_texts AS
SELECT b.body_hash, string_agg(c.text, '' ORDER BY u.position) AS body
FROM raw.bodies AS b, unnest(b.chunk_hashes) WITH ORDINALITY AS u(chunk_hash, position)
JOIN raw.body_chunks AS c ON c.chunk_hash = u.chunk_hash
GROUP BY b.body_hash;

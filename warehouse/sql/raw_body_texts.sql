-- Each stored body whole again: its chunks concatenated in order, byte for byte what the source sent.
CREATE OR REPLACE VIEW raw.body_texts AS
SELECT b.body_id, b.body_hash, string_agg(c.text, '' ORDER BY u.position) AS body
FROM raw.bodies AS b, unnest(b.chunk_ids) WITH ORDINALITY AS u(chunk_id, position)
JOIN raw.body_chunks AS c ON c.chunk_id = u.chunk_id
GROUP BY b.body_id, b.body_hash;

-- A part's problem rows leave the transactions once they are in raw.quarantine.
-- Parameters: $file_id, $part
DELETE FROM raw.archive_transactions
WHERE file_id = $file_id AND part = $part AND load_problem IS NOT NULL;

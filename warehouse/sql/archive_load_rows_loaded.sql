-- The rows the file being applied keeps, once its repeats, stale and deleted rows are gone.
-- Parameters: $file_id
SELECT count(*) FROM raw.archive_transactions WHERE file_id = $file_id;

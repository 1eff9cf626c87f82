-- Rows stored by earlier files: when there are none, nothing needs reconciling with them.
-- Parameters: $file_id
SELECT count(*) FROM raw.archive_transactions WHERE file_id <> $file_id;

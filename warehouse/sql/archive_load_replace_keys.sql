-- Stored rows from older (or same-date) files give way to this file's row for the same key: that
-- is how C and "" rows replace, how D rows delete, and how a transaction that moved to another
-- fiscal year leaves its old year.
-- Parameters: $file_id, $file_date
DELETE FROM raw.archive_transactions
WHERE file_id <> $file_id
  AND file_date <= $file_date
  AND assistance_transaction_unique_key IN (
      SELECT assistance_transaction_unique_key FROM raw.archive_transactions WHERE file_id = $file_id);

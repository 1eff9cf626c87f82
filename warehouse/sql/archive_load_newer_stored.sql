-- Rows of this file whose key a newer file already wrote are not applied.
-- Parameters: $file_id, $file_date
DELETE FROM raw.archive_transactions
WHERE file_id = $file_id
  AND assistance_transaction_unique_key IN (
      SELECT assistance_transaction_unique_key
      FROM raw.archive_transactions
      WHERE file_id <> $file_id AND file_date > $file_date);

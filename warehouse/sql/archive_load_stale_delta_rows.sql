-- A Delta's changes to a fiscal year are already in any Full file of that year dated on or after
-- the Delta: applying them again would bring back older values.
-- Parameters: $file_id, $file_date
DELETE FROM raw.archive_transactions
WHERE file_id = $file_id
  AND coalesce(correction_delete_ind, '') <> 'D'
  AND action_date_fiscal_year IN (
      SELECT fiscal_year FROM meta.archive_files WHERE kind = 'full' AND file_date >= $file_date);

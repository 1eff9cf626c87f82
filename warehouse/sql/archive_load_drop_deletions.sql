-- D rows have done their work (deleting their key); they are not transactions.
-- Parameters: $file_id
DELETE FROM raw.archive_transactions WHERE file_id = $file_id AND correction_delete_ind = 'D';

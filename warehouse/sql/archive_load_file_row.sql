-- The applied file's row in meta.archive_files, written last, in the same transaction as its rows.
-- Parameters: $file_id, $file_name, $sha256, $kind, $file_date, $fiscal_year, $parts, $size_bytes,
--             $csv_bytes, $rows_loaded, $rows_deleted, $rows_skipped, $rows_quarantined, $encoding,
--             $source, $now, $seconds
INSERT INTO meta.archive_files
VALUES ($file_id, $file_name, $sha256, $kind, $file_date, $fiscal_year, $parts, $size_bytes,
        $csv_bytes, $rows_loaded, $rows_deleted, $rows_skipped, $rows_quarantined, $encoding,
        $source, $now, $seconds);

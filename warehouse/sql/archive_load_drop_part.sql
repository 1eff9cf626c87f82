-- A part loaded as UTF-8 that turned out not to be: its rows go, to be loaded again as Latin-1.
-- Parameters: $file_id, $part
DELETE FROM raw.archive_transactions WHERE file_id = $file_id AND part = $part;

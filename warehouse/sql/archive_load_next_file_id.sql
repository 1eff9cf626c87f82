-- The file_id the file being applied gets: one more than any stored.
SELECT coalesce(max(file_id), 0) + 1 FROM meta.archive_files;

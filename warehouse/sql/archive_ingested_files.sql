-- Every file applied to the archive store, in the order applied.
SELECT * FROM meta.archive_files ORDER BY file_id;

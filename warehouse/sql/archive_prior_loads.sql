-- Earlier loads of a file under this name: the same checksum means already applied, another means
-- a suspect copy.
-- Parameters: $file_name
SELECT file_id, sha256, ingested_at FROM meta.archive_files WHERE file_name = $file_name;

-- The date of the newest Full file applied for one fiscal year (NULL before the first).
-- Parameters: $fiscal_year
SELECT max(file_date) FROM meta.archive_files WHERE kind = 'full' AND fiscal_year = $fiscal_year;

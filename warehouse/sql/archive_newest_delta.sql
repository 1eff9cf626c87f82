-- The date of the newest Delta file applied (NULL before the first): Deltas apply in date order.
SELECT max(file_date) FROM meta.archive_files WHERE kind = 'delta';

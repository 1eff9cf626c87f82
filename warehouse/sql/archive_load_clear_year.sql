-- Before a Full file loads: it replaces its fiscal year, so drop the year's rows, and any row an
-- older Full file of the same year wrote under another year (a row whose own year disagreed).
-- Parameters: $fiscal_year
DELETE FROM raw.archive_transactions
WHERE action_date_fiscal_year = $fiscal_year
   OR file_id IN (SELECT file_id FROM meta.archive_files WHERE kind = 'full' AND fiscal_year = $fiscal_year);

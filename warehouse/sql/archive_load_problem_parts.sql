-- The parts of the file being applied that loaded rows the store cannot keep (no key, no program,
-- no date, an amount with more than two decimals...), with how many.
-- Parameters: $file_id
SELECT part, count(*)
FROM raw.archive_transactions
WHERE file_id = $file_id AND load_problem IS NOT NULL
GROUP BY part
ORDER BY part;

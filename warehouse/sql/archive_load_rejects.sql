-- Records DuckDB's CSV reader set aside (wrong column count, unparseable amount or date, broken
-- quoting) go to raw.quarantine, one row per record. Amounts are read as text and checked in SQL
-- (warehouse/archive/parts.py), which quarantines an unreadable one as 'bad amount' too; the
-- CAST case below covers any column the reader types. {rejects} is the part's rejects table, a name
-- chosen by our code.
-- Parameters: $file_id, $file_name, $part, $amount_columns, $date_columns, $now
INSERT INTO raw.quarantine (file_id, file_name, part, line, reason, detail, raw_text, quarantined_at)
SELECT $file_id,
       $file_name,
       $part,
       line,
       arg_min(
           CASE
               WHEN error_type = 'CAST' AND list_contains($amount_columns, column_name) THEN 'bad amount'
               WHEN error_type = 'CAST' AND list_contains($date_columns, column_name) THEN 'bad date'
               WHEN error_type = 'CAST' AND column_name = 'action_date_fiscal_year' THEN 'bad fiscal year'
               WHEN error_type = 'CAST' THEN 'bad value'
               WHEN error_type IN ('TOO MANY COLUMNS', 'MISSING COLUMNS') THEN 'wrong column count'
               ELSE 'malformed csv'
           END,
           -- a record with the wrong number of fields also fails casts: the field count is the cause
           CASE WHEN error_type IN ('TOO MANY COLUMNS', 'MISSING COLUMNS') THEN -1 ELSE coalesce(column_idx, 0) END),
       string_agg(coalesce(column_name || ': ', '') || error_message, '; ' ORDER BY column_idx),
       left(any_value(csv_line), 1000),
       $now
FROM {rejects}
GROUP BY line;

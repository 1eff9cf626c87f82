-- A key should appear once in a file. When it repeats, the newest last_modified_date wins; on a tie
-- a deletion wins (Delta files append their D rows after the changes). Only the repeated keys are
-- ranked: finding them by hash keeps the common case (no repeats) to one pass over integers.
-- Parameters: $file_id
DELETE FROM raw.archive_transactions
WHERE file_id = $file_id
  AND rowid IN (
      SELECT rowid
      FROM (
          SELECT rowid,
                 row_number() OVER (
                     PARTITION BY assistance_transaction_unique_key
                     ORDER BY coalesce(last_modified_date,
                                       CASE WHEN correction_delete_ind = 'D' THEN TIMESTAMP 'infinity'
                                            ELSE TIMESTAMP '-infinity' END) DESC,
                              coalesce(correction_delete_ind = 'D', false) DESC,
                              part DESC,
                              rowid DESC
                 ) AS rank_in_file
          FROM raw.archive_transactions
          WHERE file_id = $file_id
            AND hash(assistance_transaction_unique_key) IN (
                SELECT hash(assistance_transaction_unique_key)
                FROM raw.archive_transactions
                WHERE file_id = $file_id
                GROUP BY 1
                HAVING count(*) > 1)
      )
      WHERE rank_in_file > 1);

-- What a complete answer no longer holds of what the same source held in its last run, before the
-- carry-forward marks it absent: the mid-reload guard (warehouse/history.py source_drops). Reads the
-- carry_* tables staging_carry_before.sql made, and this run's staging rows.
-- Parameters: $run_id, $asked_years (the fiscal years whose USAspending answer the run received in full)
WITH usas_before AS (
    SELECT * FROM carry_usaspending AS b
    WHERE list_contains($asked_years, b.fiscal_year)
      AND b.usaspending_obligations IS NOT NULL
      AND NOT coalesce(b.carried_forward, false)
    QUALIFY b.run_id = max(b.run_id) OVER (PARTITION BY b.fiscal_year)
),
usas AS (
    SELECT 'usaspending' AS source, b.fiscal_year,
           count(*) AS held,
           count(*) FILTER (WHERE s.program_number IS NULL) AS lost,
           sum(abs(b.usaspending_obligations))::DECIMAL(38,2) AS held_amount,
           coalesce(sum(abs(b.usaspending_obligations)) FILTER (WHERE s.program_number IS NULL), 0)::DECIMAL(38,2)
               AS lost_amount
    FROM usas_before AS b
    LEFT JOIN staging.usaspending_program_year AS s
      ON s.program_number = b.program_number AND s.fiscal_year = b.fiscal_year AND s.run_id = $run_id
    GROUP BY b.fiscal_year
),
sam_before AS (
    SELECT * FROM carry_sam_listings AS b
    WHERE NOT coalesce(b.no_longer_listed, false)
    QUALIFY b.run_id = max(b.run_id) OVER ()
),
sam AS (
    -- Counted by number: a revision republished under a new id still lists the number, and a listing
    -- returned under a new number (renumbered) is still returned.
    SELECT 'sam' AS source, NULL::INTEGER AS fiscal_year,
           count(DISTINCT b.program_number) AS held,
           count(DISTINCT b.program_number) FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM staging.sam_listings AS s
               WHERE s.run_id = $run_id
                 AND (s.program_number = b.program_number OR s.program_id = b.program_id))) AS lost,
           NULL::DECIMAL(38,2) AS held_amount,
           NULL::DECIMAL(38,2) AS lost_amount
    FROM sam_before AS b
    HAVING count(*) > 0
)
SELECT * FROM usas
UNION ALL
SELECT * FROM sam
ORDER BY source, fiscal_year;

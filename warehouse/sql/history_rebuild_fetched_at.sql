-- When a stored run fetched what it said, as recon_figure_history_update.sql reads it from the raw
-- pages: SAM.gov's latest page, and each USAspending fiscal year's latest page. Read from the
-- warehouse being rebuilt, for the scratch database that replays the run (warehouse/history.py),
-- so the rebuilt versions carry the live ones' fetched_at. Parameters: $run_id
SELECT NULL::INTEGER AS fiscal_year, max(fetched_at) AS fetched_at
FROM raw.sam_page_refs WHERE run_id = $run_id
HAVING count(*) > 0
UNION ALL
SELECT fiscal_year, max(fetched_at)
FROM raw.usaspending_page_refs WHERE run_id = $run_id
GROUP BY fiscal_year

-- recon.first_reports: a source giving a figure where it had none, one row per program-year, measure
-- and run: per line NULL -> value (or a line's first version). For SAM.gov a line's first actual is a
-- first report even when another line already had one and the total moves from value to value; for
-- USAspending (totals only) NULL -> value is late reporting. Never a restatement (recon.restatements).
-- value: what the lines reported first add to the total; lines: those lines ('total' for USAspending).
CREATE OR REPLACE VIEW recon.first_reports AS
SELECT source,
       program_number,
       fiscal_year,
       measure,
       old_value,
       new_value,
       first_reported AS value,
       first_report_lines AS lines,
       run_id,
       fetched_at,
       is_current
FROM recon.figure_changes
WHERE len(first_report_lines) > 0

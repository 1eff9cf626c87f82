-- What the repair run changed (warehouse/repair.py record_repair): program-years that have SAM.gov
-- figures now and had none in the warehouse as the earlier release left it (repair_program_year_before,
-- saved before recon.program_year was rebuilt) while no history version of theirs changed this run, and
-- this run's events whose reason is 'repair'.
-- Parameters: $run_id
SELECT
    (SELECT count(*) FROM recon.program_year AS p
     LEFT JOIN repair_program_year_before AS b USING (program_number, fiscal_year)
     WHERE b.sam_actual IS NULL AND b.sam_estimate IS NULL  -- no row then, or no figure
       AND (p.sam_actual IS NOT NULL OR p.sam_estimate IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM recon.figure_history AS h
                       WHERE h.source = 'sam' AND h.program_number = p.program_number
                         AND h.fiscal_year = p.fiscal_year AND (h.valid_from_run = $run_id OR h.valid_to_run = $run_id)))
        AS figures_restored,
    (SELECT count(*) FROM recon.finding_events WHERE run_id = $run_id AND event = 'reopened' AND reason = 'repair')
        AS findings_reopened,
    (SELECT count(*) FROM recon.finding_events WHERE run_id = $run_id AND event = 'resolved' AND reason = 'repair')
        AS findings_resolved;

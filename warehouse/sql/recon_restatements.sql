-- recon.restatements: program-years of completed fiscal years whose total a source changed between
-- runs - old -> new, the run that had said the old value and the run that first saw the new one.
-- A first figure is not a restatement; an explicit null after a figure is. "Completed" is judged on
-- the date the run that saw the change fetched it.
CREATE OR REPLACE VIEW recon.restatements AS
SELECT n.source,
       n.program_number,
       n.fiscal_year,
       n.measure,
       o.value AS old_value,
       n.value AS new_value,
       (coalesce(n.value, 0) - coalesce(o.value, 0))::DECIMAL(18,2) AS change,
       o.valid_from_run AS old_run_id,
       n.valid_from_run AS run_id,
       n.fetched_at,
       n.valid_to_run IS NULL AS is_current
FROM recon.figure_history AS n
JOIN recon.figure_history AS o
  ON o.source = n.source AND o.program_number = n.program_number AND o.fiscal_year = n.fiscal_year
 AND o.line = n.line AND o.measure = n.measure AND o.valid_to_run = n.valid_from_run
WHERE n.line = 'total'
  AND n.value IS DISTINCT FROM o.value
  AND n.fiscal_year < year(n.fetched_at) + CASE WHEN month(n.fetched_at) >= 10 THEN 1 ELSE 0 END;

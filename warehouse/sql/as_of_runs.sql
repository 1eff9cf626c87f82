-- Turn a private copy of the warehouse back to the state right after run $run_id, for
-- `spendrecon report --run-id` (warehouse/as_of.py), first step: the runs up to it (as_of_runs), and
-- later runs and their finding events dropped. as_of_versions.sql (or, for a run without versions,
-- as_of_events.sql) then restores the findings and program-years.
-- Parameter: $run_id
CREATE OR REPLACE TEMP TABLE as_of_runs AS
SELECT run_id, started_at FROM meta.runs
WHERE started_at < (SELECT started_at FROM meta.runs WHERE run_id = $run_id)
   OR (started_at = (SELECT started_at FROM meta.runs WHERE run_id = $run_id) AND run_id <= $run_id);

DELETE FROM meta.runs WHERE run_id NOT IN (SELECT run_id FROM as_of_runs);

DELETE FROM recon.finding_events WHERE run_id NOT IN (SELECT run_id FROM as_of_runs);

-- Turn a private copy of the warehouse back to the state right after run $run_id, for
-- `spendrecon report --run-id` (warehouse/as_of.py), first step: the runs up to it (as_of_runs), and
-- later runs and their finding events dropped. as_of_versions.sql (or, for a run without versions,
-- as_of_events.sql) then restores the findings and program-years.
-- Parameter: $run_id
CREATE OR REPLACE TEMP TABLE as_of_runs AS
SELECT run_id, started_at FROM meta.runs
WHERE started_at < (SELECT started_at FROM meta.runs WHERE run_id = $run_id)
   OR (started_at = (SELECT started_at FROM meta.runs WHERE run_id = $run_id) AND run_id <= $run_id);

-- A version (of recon.figure_history or a *_versions table) valid right after run $run_id: opened by a run
-- up to it and not closed by one. One definition for every table the rebuild reads versions of.
CREATE OR REPLACE TEMP MACRO valid_as_of(valid_from_run, valid_to_run) AS
    valid_from_run IN (SELECT run_id FROM as_of_runs)
    AND (valid_to_run IS NULL OR valid_to_run NOT IN (SELECT run_id FROM as_of_runs));

DELETE FROM meta.runs WHERE run_id NOT IN (SELECT run_id FROM as_of_runs);

DELETE FROM recon.finding_events WHERE run_id NOT IN (SELECT run_id FROM as_of_runs);

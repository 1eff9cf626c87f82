-- The run verify checks by default: the latest succeeded run.
SELECT max(run_id) FROM meta.runs WHERE status = 'succeeded'

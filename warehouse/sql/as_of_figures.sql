-- After as_of_runs.sql: each source's total per program-year as recon.figure_history says it stood
-- right after run $run_id (the versions valid then; verify's figures_match_history held at every run).
-- as_of_versions.sql and as_of_program_year.sql read it.
CREATE OR REPLACE TEMP TABLE as_of_figures AS
SELECT program_number, fiscal_year,
       max(value) FILTER (WHERE source = 'sam' AND measure = 'estimate') AS sam_estimate,
       max(value) FILTER (WHERE source = 'sam' AND measure = 'actual') AS sam_actual,
       max(value) FILTER (WHERE source = 'usaspending' AND measure = 'obligations') AS usaspending_obligations
FROM recon.figure_history
WHERE line = 'total'
  AND valid_as_of(valid_from_run, valid_to_run)
GROUP BY ALL;


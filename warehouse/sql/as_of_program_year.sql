-- recon.program_year as of run $run_id (after as_of_events.sql, for a run without versions): each source's total as recon.figure_history
-- says it stood then. Program-years no source had reported by then are dropped. Only run when the
-- warehouse holds figure history.
CREATE OR REPLACE TEMP TABLE as_of_figures AS
SELECT program_number, fiscal_year,
       max(value) FILTER (WHERE source = 'sam' AND measure = 'estimate') AS sam_estimate,
       max(value) FILTER (WHERE source = 'sam' AND measure = 'actual') AS sam_actual,
       max(value) FILTER (WHERE source = 'usaspending' AND measure = 'obligations') AS usaspending_obligations
FROM recon.figure_history
WHERE line = 'total'
  AND valid_from_run IN (SELECT run_id FROM as_of_runs)
  AND (valid_to_run IS NULL OR valid_to_run NOT IN (SELECT run_id FROM as_of_runs))
GROUP BY ALL;

DELETE FROM recon.program_year AS p
WHERE NOT EXISTS (
    SELECT 1 FROM as_of_figures AS v WHERE v.program_number = p.program_number AND v.fiscal_year = p.fiscal_year
);

-- Whether a figure was carried forward then is not recorded: the flags describe the latest run only.
UPDATE recon.program_year AS p
SET sam_estimate = v.sam_estimate,
    sam_actual = v.sam_actual,
    usaspending_obligations = v.usaspending_obligations,
    difference = (v.sam_actual - v.usaspending_obligations)::DECIMAL(18,2),
    sam_carried_forward = false,
    sam_carried_from_run = NULL,
    usaspending_carried_forward = false,
    usaspending_carried_from_run = NULL
FROM as_of_figures AS v
WHERE v.program_number = p.program_number AND v.fiscal_year = p.fiscal_year;

-- recon.program_year as of run $run_id (after as_of_events.sql, for a run without versions): each source's total as
-- as_of_figures.sql took it from recon.figure_history. Program-years no source had reported by then are dropped. Only run when the
-- warehouse holds figure history.
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

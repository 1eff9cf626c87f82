-- After as_of_runs.sql: the warehouse as run $run_id left it, from the versions valid then
-- (warehouse/versions.py: valid_from_run among the runs up to it, valid_to_run not): recon.findings
-- whole, recon.program_year's title, agency and carried-forward runs with each source's figures as
-- recon.figure_history had them, recon.program_year_triage, and staging.usaspending_all_years (what
-- recon.leads lists a program's reported years from). Reviews given after the run are dropped.
-- recon.leads (a view) and recon.agency_year (rebuilt after this file) follow from these.
-- Reads as_of_figures (as_of_figures.sql).
-- Parameter: $run_id
DELETE FROM recon.findings;

-- A version that holds no status is of runs that each saw the finding: run_id and last_seen_run_id are
-- the run's own, and the status is new, reopened or open as the run's events say.
INSERT INTO recon.findings BY NAME
SELECT v.* EXCLUDE (run_id, status, last_seen_run_id, valid_from_run, valid_to_run),
       CASE WHEN v.status IS NULL THEN $run_id ELSE v.run_id END AS run_id,
       CASE WHEN v.status IS NOT NULL THEN v.status
            WHEN v.first_seen_run_id = $run_id THEN 'new'
            WHEN EXISTS (SELECT 1 FROM recon.finding_events AS e
                         WHERE e.run_id = $run_id AND e.event = 'reopened' AND e.program_number = v.program_number
                           AND e.fiscal_year = v.fiscal_year AND e.rule_id = v.rule_id) THEN 'reopened'
            ELSE 'open' END AS status,
       CASE WHEN v.status IS NULL THEN $run_id ELSE v.last_seen_run_id END AS last_seen_run_id
FROM recon.finding_versions AS v
WHERE valid_as_of(v.valid_from_run, v.valid_to_run);

DELETE FROM recon.program_year;

-- The columns a report reads; the others stay NULL in this copy.
INSERT INTO recon.program_year BY NAME
SELECT v.program_number, v.fiscal_year, v.program_title, v.agency, v.sub_agency,
       f.sam_estimate, f.sam_actual, f.usaspending_obligations,
       (f.sam_actual - f.usaspending_obligations)::DECIMAL(18,2) AS difference,
       v.sam_carried_from_run IS NOT NULL AS sam_carried_forward, v.sam_carried_from_run,
       v.usaspending_carried_from_run IS NOT NULL AS usaspending_carried_forward, v.usaspending_carried_from_run,
       v.sam_renumbered_to, v.usaspending_last_reported_run
FROM recon.program_year_versions AS v
LEFT JOIN as_of_figures AS f USING (program_number, fiscal_year)
WHERE valid_as_of(v.valid_from_run, v.valid_to_run)
ORDER BY v.program_number, v.fiscal_year;

CREATE OR REPLACE TABLE recon.program_year_triage AS
SELECT program_number, fiscal_year, triage, explanation, at_stake, severity, findings, rule_ids
FROM recon.program_year_triage_versions
WHERE valid_as_of(valid_from_run, valid_to_run)
ORDER BY program_number, fiscal_year;

DELETE FROM staging.usaspending_all_years;

INSERT INTO staging.usaspending_all_years (run_id, program_number, fiscal_year, usaspending_obligations)
SELECT valid_from_run, program_number, fiscal_year, usaspending_obligations
FROM recon.usaspending_all_years_versions
WHERE valid_as_of(valid_from_run, valid_to_run);

-- The reviews the run knew (a review is given between runs, never during one: the writer lock).
DELETE FROM recon.annotations
WHERE annotated_at > (SELECT finished_at FROM meta.runs WHERE run_id = $run_id);

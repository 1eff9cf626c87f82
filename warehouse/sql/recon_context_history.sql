-- What SAM.gov said about each program, run by run, kept as changes like recon.figure_history: the
-- description of the listing that describes the ALN (staging.sam_listing_chosen) - its id, title,
-- department, agency, status, assistance types, whether SAM.gov lists it and where it was renumbered to.
-- A row is valid from the run that first saw it (valid_from_run, on its run date valid_from_date) until
-- the run that saw it change (valid_to_run, exclusive; NULL while current). Past fiscal years keep the
-- agency they had (recon_program_year.sql); a change is an event (recon.context_changes).
CREATE TABLE IF NOT EXISTS recon.context_history (
    program_number   VARCHAR NOT NULL,
    program_id       VARCHAR,
    title            VARCHAR,
    department       VARCHAR,
    agency           VARCHAR,
    status           VARCHAR,
    assistance_types VARCHAR[],
    listed           BOOLEAN,
    renumbered_to    VARCHAR,
    valid_from_run   VARCHAR NOT NULL,
    valid_from_date  DATE NOT NULL,          -- the run date (meta.runs.as_of) of valid_from_run
    valid_to_run     VARCHAR
);

-- Each change of a program's description between two runs: an agency move, a new title or status, a
-- revision republished under a new listing id, a renumbering, other assistance types.
CREATE OR REPLACE VIEW recon.context_changes AS
WITH pairs AS (
    SELECT n.program_number, n.valid_from_run AS run_id, n.valid_from_date AS run_date, o.valid_from_run AS old_run_id,
           o.program_id AS old_program_id, n.program_id AS new_program_id,
           o.title AS old_title, n.title AS new_title,
           coalesce(o.department, o.agency) AS old_agency, coalesce(n.department, n.agency) AS new_agency,
           CASE WHEN o.agency IS DISTINCT FROM o.department THEN o.agency END AS old_sub_agency,
           CASE WHEN n.agency IS DISTINCT FROM n.department THEN n.agency END AS new_sub_agency,
           o.status AS old_status, n.status AS new_status,
           o.listed AS old_listed, n.listed AS new_listed,
           o.renumbered_to AS old_renumbered_to, n.renumbered_to AS new_renumbered_to,
           o.assistance_types AS old_types, n.assistance_types AS new_types
    FROM recon.context_history AS n
    JOIN recon.context_history AS o
      ON o.program_number = n.program_number AND o.valid_to_run = n.valid_from_run
)
SELECT program_number, run_id, run_date, old_run_id, 'agency_moved' AS change,
       old_agency AS old_value, new_agency AS new_value FROM pairs WHERE old_agency IS DISTINCT FROM new_agency
UNION ALL
SELECT program_number, run_id, run_date, old_run_id, 'sub_agency_changed', old_sub_agency, new_sub_agency
FROM pairs WHERE old_sub_agency IS DISTINCT FROM new_sub_agency AND old_agency IS NOT DISTINCT FROM new_agency
UNION ALL
SELECT program_number, run_id, run_date, old_run_id, 'title_changed', old_title, new_title
FROM pairs WHERE old_title IS DISTINCT FROM new_title
UNION ALL
SELECT program_number, run_id, run_date, old_run_id, 'status_changed', old_status, new_status
FROM pairs WHERE old_status IS DISTINCT FROM new_status
UNION ALL
SELECT program_number, run_id, run_date, old_run_id, 'republished', old_program_id, new_program_id
FROM pairs WHERE old_program_id IS DISTINCT FROM new_program_id
UNION ALL
SELECT program_number, run_id, run_date, old_run_id, 'renumbered', NULL, new_renumbered_to
FROM pairs WHERE new_renumbered_to IS NOT NULL AND old_renumbered_to IS DISTINCT FROM new_renumbered_to
UNION ALL
SELECT program_number, run_id, run_date, old_run_id, 'no_longer_listed', NULL, NULL
FROM pairs WHERE old_listed AND NOT new_listed AND new_renumbered_to IS NULL
UNION ALL
SELECT program_number, run_id, run_date, old_run_id, 'listed_again', NULL, NULL
FROM pairs WHERE NOT old_listed AND new_listed
UNION ALL
SELECT program_number, run_id, run_date, old_run_id, 'assistance_types_changed',
       array_to_string(old_types, ','), array_to_string(new_types, ',')
FROM pairs WHERE old_types IS DISTINCT FROM new_types;

-- Record this run's description of each program in recon.context_history (changes only): the listing
-- that describes each ALN in the run's scope after the carry-forward (staging.sam_listing_chosen).
-- Parameters: $run_id, $run_date (the run's as_of), $programs (empty: every program)
CREATE OR REPLACE TEMP TABLE context_said AS
SELECT program_number, program_id, title, department, agency, status, assistance_types,
       NOT coalesce(no_longer_listed, false) AS listed, renumbered_to
FROM staging.sam_listing_chosen
WHERE program_in_scope($programs, program_number);

UPDATE recon.context_history AS h
SET valid_to_run = $run_id
WHERE h.valid_to_run IS NULL
  AND EXISTS (SELECT 1 FROM context_said AS s WHERE s.program_number = h.program_number)
  AND NOT EXISTS (
      SELECT 1 FROM context_said AS s
      WHERE s.program_number = h.program_number
        AND s.program_id IS NOT DISTINCT FROM h.program_id AND s.title IS NOT DISTINCT FROM h.title
        AND s.department IS NOT DISTINCT FROM h.department AND s.agency IS NOT DISTINCT FROM h.agency
        AND s.status IS NOT DISTINCT FROM h.status AND s.assistance_types IS NOT DISTINCT FROM h.assistance_types
        AND s.listed IS NOT DISTINCT FROM h.listed AND s.renumbered_to IS NOT DISTINCT FROM h.renumbered_to
  );

INSERT INTO recon.context_history
    (program_number, program_id, title, department, agency, status, assistance_types, listed, renumbered_to,
     valid_from_run, valid_from_date, valid_to_run)
SELECT s.program_number, s.program_id, s.title, s.department, s.agency, s.status, s.assistance_types, s.listed,
       s.renumbered_to, $run_id, $run_date::DATE, NULL
FROM context_said AS s
WHERE NOT EXISTS (
    SELECT 1 FROM recon.context_history AS h
    WHERE h.valid_to_run IS NULL AND h.program_number = s.program_number
);

DROP TABLE context_said;

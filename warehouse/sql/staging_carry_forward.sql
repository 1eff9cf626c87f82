-- After a run loaded its scope: put back what the sources stopped saying, marked, with the run it
-- came from. A figure the source states (a new value, an explicit null or 0) replaced the old one
-- during the load; only an absent one comes back here - except where absence is itself a statement
-- (a renumbered listing; a fiscal year USAspending answered in full).
-- Parameters: $run_id, $every_status (the run asked SAM.gov for active and archived listings),
-- $asked_years (the fiscal years whose USAspending answer this run received in full)

-- A listing id SAM.gov now returns under another number: renumbered. Its figures go with it.
CREATE OR REPLACE TEMP TABLE carry_renumbered AS
SELECT DISTINCT b.program_number AS old_number, b.program_id, s.program_number AS new_number
FROM carry_sam_listings AS b
JOIN staging.sam_listings AS s
  ON s.program_id = b.program_id AND s.run_id = $run_id AND s.program_number <> b.program_number
WHERE b.program_id IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM staging.sam_listings AS same
      WHERE same.run_id = $run_id AND same.program_number = b.program_number AND same.program_id = b.program_id
  );

-- A listing neither active nor archived any more: its last description, marked no longer listed -
-- when the run asked for listings of every status ($every_status); a run asking only for active ones
-- cannot tell, and keeps an archived listing as it was, like one outside its scope. A renumbered one
-- is no longer listed under this number whatever the run asked, and names its new number.
INSERT INTO staging.sam_listings BY NAME
SELECT b.* REPLACE (
           CASE WHEN r.new_number IS NOT NULL OR $every_status THEN true ELSE b.no_longer_listed END AS no_longer_listed,
           coalesce(r.new_number, b.renumbered_to) AS renumbered_to)
FROM carry_sam_listings AS b
LEFT JOIN carry_renumbered AS r ON r.old_number = b.program_number AND r.program_id = b.program_id
WHERE NOT EXISTS (
    SELECT 1 FROM staging.sam_listings AS s
    WHERE s.program_number = b.program_number AND s.program_id IS NOT DISTINCT FROM b.program_id
);

-- A fiscal year no listing of the number stated this run (the listing's window moved, a revision
-- under a new id no longer carries it, or the listing is gone): the lines as last reported. A year
-- some listing of the number stated this run was restated by it, line by line, and is not touched.
-- Lines of a renumbered listing are kept, marked with the number they moved to (counted there).
INSERT INTO staging.sam_obligations BY NAME
SELECT b.* REPLACE (true AS carried_forward, coalesce(r.new_number, b.renumbered_to) AS renumbered_to)
FROM carry_sam_obligations AS b
LEFT JOIN carry_renumbered AS r ON r.old_number = b.program_number AND r.program_id = b.program_id
WHERE NOT EXISTS (
    SELECT 1 FROM staging.sam_obligations AS s
    WHERE s.run_id = $run_id AND s.program_number = b.program_number AND s.fiscal_year = b.fiscal_year
      AND s.renumbered_to IS NULL
);

-- A program-year USAspending no longer returns, in a fiscal year this run did not ask about (a replay
-- of a run that kept no pages for it): its last total, marked. Not asked is not changed.
INSERT INTO staging.usaspending_program_year BY NAME
SELECT * REPLACE (true AS carried_forward)
FROM carry_usaspending AS b
WHERE NOT list_contains($asked_years, b.fiscal_year)
  AND NOT EXISTS (
      SELECT 1 FROM staging.usaspending_program_year AS s
      WHERE s.program_number = b.program_number AND s.fiscal_year = b.fiscal_year
  );

-- Asked and absent: the year's answer was complete and no longer holds the program-year (deobligated
-- to nothing, or recoded to another ALN). That is a statement: no figure now, this run's, naming the
-- run that last reported one.
INSERT INTO staging.usaspending_program_year BY NAME
SELECT b.* REPLACE (
           $run_id AS run_id,
           NULL::DECIMAL(18,2) AS usaspending_obligations,
           NULL::DECIMAL(18,2) AS federal_action_obligation,
           NULL::DECIMAL(18,2) AS loan_face_value,
           NULL::DECIMAL(18,2) AS loan_subsidy_cost,
           NULL::BIGINT AS transaction_count,
           NULL::BIGINT AS award_count,
           false AS carried_forward,
           CASE WHEN b.last_reported_run IS NOT NULL THEN b.last_reported_run ELSE b.run_id END AS last_reported_run)
FROM carry_usaspending AS b
WHERE list_contains($asked_years, b.fiscal_year)
  AND NOT EXISTS (
      SELECT 1 FROM staging.usaspending_program_year AS s
      WHERE s.program_number = b.program_number AND s.fiscal_year = b.fiscal_year
  );

DROP TABLE carry_renumbered;
DROP TABLE carry_sam_listings;
DROP TABLE carry_sam_obligations;
DROP TABLE carry_usaspending;

-- After a run loaded its scope: put back what the sources stopped saying, marked, with the run it
-- came from. A figure the source states (a new value, an explicit null or 0) replaced the old one
-- during the load; only an absent one comes back here.
-- Parameters: $run_id, $every_status (the run asked SAM.gov for active and archived listings)

-- A listing neither active nor archived any more: its last description, marked no longer listed -
-- when the run asked for listings of every status ($every_status); a run asking only for active ones
-- cannot tell, and keeps an archived listing as it was, like one outside its scope.
INSERT INTO staging.sam_listings BY NAME
SELECT * REPLACE (CASE WHEN $every_status THEN true ELSE b.no_longer_listed END AS no_longer_listed)
FROM carry_sam_listings AS b
WHERE NOT EXISTS (
    SELECT 1 FROM staging.sam_listings AS s
    WHERE s.program_number = b.program_number AND s.program_id IS NOT DISTINCT FROM b.program_id
);

-- A fiscal year the listing no longer carries (its window moved), or a listing gone: the lines as
-- last reported. A year the listing still carries was restated line by line and is not touched.
INSERT INTO staging.sam_obligations BY NAME
SELECT * REPLACE (true AS carried_forward)
FROM carry_sam_obligations AS b
WHERE NOT EXISTS (
    SELECT 1 FROM staging.sam_obligations AS s
    WHERE s.run_id = $run_id AND s.program_number = b.program_number
      AND s.program_id IS NOT DISTINCT FROM b.program_id AND s.fiscal_year = b.fiscal_year
);

-- A program-year USAspending no longer returns: its last total, marked.
INSERT INTO staging.usaspending_program_year BY NAME
SELECT * REPLACE (true AS carried_forward)
FROM carry_usaspending AS b
WHERE NOT EXISTS (
    SELECT 1 FROM staging.usaspending_program_year AS s
    WHERE s.program_number = b.program_number AND s.fiscal_year = b.fiscal_year
);

DROP TABLE carry_sam_listings;
DROP TABLE carry_sam_obligations;
DROP TABLE carry_usaspending;

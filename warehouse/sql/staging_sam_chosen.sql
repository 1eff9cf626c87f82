-- Which SAM.gov listing describes each ALN now, and which lines give each program-year's figures.
-- Every comparison and explanation reads these views, so they all see the same figures.
--
-- The listing: a number can carry two listings (archived and reissued, or a revision SAM.gov
-- republished under a new listing id): one SAM.gov still lists beats one it no longer does, then the
-- one described by the latest run, then the active one, then the most recently published.
CREATE OR REPLACE VIEW staging.sam_listing_chosen AS
SELECT *
FROM staging.sam_listings
QUALIFY row_number() OVER (
    PARTITION BY program_number
    ORDER BY coalesce(no_longer_listed, false), run_id DESC, lower(coalesce(status, '')) = 'active' DESC,
             published_date DESC NULLS LAST, program_id
) = 1;

-- The lines: a program-year is its ALN and fiscal year, not a listing id. Its figures are the latest
-- statement of that year by any listing of that ALN: the lines of the listing and run that stated it
-- last (run ids sort by time), the listings' order above breaking a tie within one run. A revision
-- under a new id replaces the years it states; the years it does not state stay as last stated
-- (carried forward, with the listing id and run they came from). Lines that moved with a renumbered
-- listing to another number count there, not here.
CREATE OR REPLACE VIEW staging.sam_lines_chosen AS
WITH statements AS (
    SELECT DISTINCT program_number, program_id, fiscal_year, run_id
    FROM staging.sam_obligations
    WHERE renumbered_to IS NULL
),
latest AS (
    SELECT s.program_number, s.program_id, s.fiscal_year, s.run_id
    FROM statements AS s
    LEFT JOIN staging.sam_listings AS l
      ON l.program_number = s.program_number AND l.program_id IS NOT DISTINCT FROM s.program_id
    QUALIFY row_number() OVER (
        PARTITION BY s.program_number, s.fiscal_year
        ORDER BY s.run_id DESC, coalesce(l.no_longer_listed, false), lower(coalesce(l.status, '')) = 'active' DESC,
                 l.published_date DESC NULLS LAST, s.program_id
    ) = 1
)
SELECT o.*
FROM staging.sam_obligations AS o
JOIN latest AS t
  ON t.program_number = o.program_number
 AND t.program_id IS NOT DISTINCT FROM o.program_id
 AND t.fiscal_year = o.fiscal_year
 AND t.run_id = o.run_id
WHERE o.renumbered_to IS NULL;

-- The SAM.gov listing each ALN's figures come from, and that listing's obligation lines. A number
-- can carry two listings (archived and reissued): the active one wins, then the most recently
-- published; a listing SAM.gov still returns beats one it no longer does. Every comparison and explanation reads these views, so they all see the same figures.
CREATE OR REPLACE VIEW staging.sam_listing_chosen AS
SELECT *
FROM staging.sam_listings
QUALIFY row_number() OVER (
    PARTITION BY program_number
    ORDER BY coalesce(no_longer_listed, false), lower(coalesce(status, '')) = 'active' DESC, published_date DESC NULLS LAST, program_id
) = 1;

CREATE OR REPLACE VIEW staging.sam_lines_chosen AS
SELECT o.*
FROM staging.sam_obligations AS o
JOIN staging.sam_listing_chosen AS l
  ON l.program_number = o.program_number
 AND l.program_id IS NOT DISTINCT FROM o.program_id;

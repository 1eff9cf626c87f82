-- The latest known description of each SAM.gov listing (one row per listing; an ALN can have two
-- listings when a number was reused, hence program_id).
CREATE TABLE IF NOT EXISTS staging.sam_listings (
    run_id           VARCHAR NOT NULL,
    program_number   VARCHAR NOT NULL,
    program_id       VARCHAR,
    title            VARCHAR,
    department       VARCHAR,
    agency           VARCHAR,
    status           VARCHAR,
    version          VARCHAR,
    published_date   VARCHAR,
    assistance_types VARCHAR[]
);

-- A listing SAM.gov no longer returns at all (neither active nor archived) keeps its last row,
-- marked here, so its figures are carried forward instead of vanishing (staging_carry_forward.sql).
ALTER TABLE staging.sam_listings ADD COLUMN IF NOT EXISTS no_longer_listed BOOLEAN;
-- A listing SAM.gov now returns under another number with the same listing id (renumbered): the old
-- number's row keeps its last description, no longer listed, naming the number it moved to.
ALTER TABLE staging.sam_listings ADD COLUMN IF NOT EXISTS renumbered_to VARCHAR;

-- One row per repair a run made to a warehouse an earlier release wrote (warehouse/repair.py): which
-- repair, and what it changed, in words and counts.
CREATE TABLE IF NOT EXISTS meta.repairs (
    run_id             VARCHAR NOT NULL,
    repair             VARCHAR NOT NULL,    -- listing_revisions: the record through revisions (issue 17)
    figures_restored   INTEGER,             -- program-years whose SAM.gov figures came back
    findings_reopened  INTEGER,             -- findings an earlier run resolved without a cause
    findings_resolved  INTEGER,             -- findings that stood only on a first report counted as a restatement
    detail             VARCHAR
);

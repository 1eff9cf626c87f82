-- Each finding's triage and primary explanation as runs set them, changes only (plus a first row for
-- every finding the table had not seen): `spendrecon report --run-id` of an earlier run takes from
-- here the triage that run gave when it recorded no versions (warehouse/sql/as_of_events.sql), since recon.findings keeps only the latest.
CREATE TABLE IF NOT EXISTS recon.finding_triage_changes (
    run_id             VARCHAR NOT NULL,
    program_number     VARCHAR NOT NULL,
    fiscal_year        INTEGER NOT NULL,
    rule_id            VARCHAR NOT NULL,
    triage             VARCHAR,
    explanation        VARCHAR,
    explanation_reason VARCHAR
);

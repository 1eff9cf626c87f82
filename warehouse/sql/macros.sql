-- Definitions every statement may use, created on each connection spendrecon opens
-- (warehouse/db.py connect), read-only ones too: TEMP, so nothing is written to the file and a
-- file from any version can be read with them. Stored views cannot use them (a plain
-- duckdb.connect has no TEMP macros): such views read the columns these fill instead.

-- The run's program scope: an empty list means every program (Scope.params()).
CREATE OR REPLACE TEMP MACRO program_in_scope(programs, program_number) AS
    len(programs) = 0 OR list_contains(programs, program_number);

-- The run's scope: its fiscal years, and its programs as above.
CREATE OR REPLACE TEMP MACRO in_scope(fiscal_years, programs, fiscal_year, program_number) AS
    list_contains(fiscal_years, fiscal_year) AND program_in_scope(programs, program_number);

-- The dollars a finding puts at stake: the gap when both sides have a figure, otherwise the side
-- that exists (a SAM.gov actual with no USAspending figure is entirely unaccounted for).
-- Stored as recon.findings.at_stake when a run merges its findings.
CREATE OR REPLACE TEMP MACRO at_stake(difference, sam_amount, usaspending_amount) AS
    coalesce(abs(difference), abs(sam_amount), abs(usaspending_amount), 0)::DECIMAL(18,2);

-- A missing amount in words (warehouse/money.py's NOT_REPORTED): a missing figure never reads like $0.
CREATE OR REPLACE TEMP MACRO not_reported() AS 'not reported';

-- money_text's digits from a whole number of cents. Grouping digits is done on BIGINT whenever the
-- amount fits (every DECIMAL(18,2) figure does): DuckDB's format('{:,}') of a HUGEINT costs about 4 us
-- a value against 0.2 for a BIGINT, and a run renders three amounts into each of its findings'
-- messages (about 0.1 s a rule at 10,000 findings). Sums too large for BIGINT take the HUGEINT path.
CREATE OR REPLACE TEMP MACRO money_text_of_cents(cents, negative) AS
    CASE WHEN negative THEN '-' ELSE '' END || '$'
    || CASE WHEN cents < 9000000000000000000 THEN format('{:,}', cents::BIGINT // 100)
            ELSE format('{:,}', cents::HUGEINT // 100) END
    || '.' || lpad((cents % 100)::BIGINT::VARCHAR, 2, '0');

-- Money as messages and reasons write it ($1,234.56, -$5.00), exactly (no float on the way), and
-- not_reported() for NULL: warehouse/money.py's
-- format_money, for the texts DuckDB renders (tests/test_money_text.py holds the two together).
CREATE OR REPLACE TEMP MACRO money_text(amount) AS
    CASE WHEN amount IS NULL THEN not_reported()
         ELSE money_text_of_cents(round_even(abs(amount), 2)::DECIMAL(38,2) * 100, amount < 0) END;

-- A share (0.5) as a whole percentage (50%), halves to even; not_reported() for NULL.
CREATE OR REPLACE TEMP MACRO percent_text(share) AS
    CASE WHEN share IS NULL THEN not_reported()
         ELSE round_even(share::DECIMAL(38,10) * 100, 0)::HUGEINT::VARCHAR || '%' END;

-- Any other value in a reason: as text, not_reported() for NULL.
CREATE OR REPLACE TEMP MACRO plain_text(value) AS coalesce(value::VARCHAR, not_reported());

-- A finding's triage bucket, derived for files older than the triage column (an explanation code
-- made it legitimate).
CREATE OR REPLACE TEMP MACRO triage_bucket(triage, explanation) AS
    coalesce(triage, CASE WHEN explanation IS NOT NULL THEN 'legitimate' ELSE 'lead' END);

-- A finding is explained when a legitimate cause is known, or when the figure it needs is not due yet
-- (pending: the finding is a wait); a non-reporting characterization explains nothing away. (The report's
-- Finding.is_explained reads the bucket the same way.)
CREATE OR REPLACE TEMP MACRO is_explained(triage, explanation) AS
    triage_bucket(triage, explanation) IN ('legitimate', 'pending');

-- Triage buckets, most decisive first (warehouse/explanations/registry.py BUCKETS): a program-year sits in
-- the bucket of its most decisive open finding. A restatement is in none of them (after them all).
CREATE OR REPLACE TEMP MACRO triage_rank(bucket) AS
    coalesce(list_position(['pending', 'legitimate', 'non_reporting', 'lead'], bucket) - 1, 4);

-- A finding counts as open - in every total, list of leads and open count - when no run resolved it, its
-- fiscal year is inside the latest run's window (recon.findings.out_of_window) and its rule is not switched
-- off (recon.findings.rule_disabled: kept as it was, out of the way). The stored view recon.leads spells
-- the same test out (it cannot use macros).
CREATE OR REPLACE TEMP MACRO counts_as_open(status, out_of_window, rule_disabled) AS
    status <> 'resolved' AND NOT coalesce(out_of_window, false) AND NOT coalesce(rule_disabled, false);

-- The agency a figure is counted under when its program names none.
CREATE OR REPLACE TEMP MACRO unknown_agency() AS 'Unknown agency';
CREATE OR REPLACE TEMP MACRO agency_or_unknown(agency) AS coalesce(agency, unknown_agency());

-- Severities in report order (warehouse/rules/registry.py SEVERITIES); anything else after them.
CREATE OR REPLACE TEMP MACRO severity_rank(severity) AS
    coalesce(list_position(['error', 'warning', 'info'], severity) - 1, 3);

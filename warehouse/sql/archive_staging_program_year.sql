-- Per program and fiscal year: the obligations the API reports (pragmatic), the three loan
-- measures kept apart, and counts. A view, so it is never stale and costs nothing at load time.
CREATE OR REPLACE VIEW staging.archive_program_year AS
SELECT cfda_number AS program_number,
       action_date_fiscal_year AS fiscal_year,
       arg_max(cfda_title, action_date) FILTER (WHERE cfda_title IS NOT NULL) AS program_title,
       sum(pragmatic_obligation) AS obligations,
       sum(federal_action_obligation) AS federal_action_obligation,
       sum(face_value_of_loan) AS loan_face_value,
       sum(original_loan_subsidy_cost) AS loan_subsidy_cost,
       count(*) AS transaction_count,
       count(DISTINCT assistance_award_unique_key) AS award_count
FROM staging.archive_transactions
GROUP BY cfda_number, action_date_fiscal_year;

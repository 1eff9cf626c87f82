-- The transactions behind one program-year, largest first (by size: a large deobligation explains
-- a total as much as a large award). `obligation` is the amount the API counts (pragmatic).
-- {award_description} is the column, or NULL::VARCHAR for a store opened read-only before it gained
-- the column (chosen by our code).
-- Parameters: $program, $fiscal_year, $top
SELECT assistance_transaction_unique_key,
       assistance_award_unique_key,
       action_date,
       assistance_type_code,
       record_type_code,
       pragmatic_obligation AS obligation,
       federal_action_obligation,
       face_value_of_loan,
       original_loan_subsidy_cost,
       recipient_name,
       {award_description} AS award_description,
       transaction_description,
       awarding_agency_name,
       last_modified_date
FROM staging.archive_transactions
WHERE cfda_number = $program
  AND action_date_fiscal_year = $fiscal_year
ORDER BY abs(pragmatic_obligation) DESC, assistance_transaction_unique_key
LIMIT $top;

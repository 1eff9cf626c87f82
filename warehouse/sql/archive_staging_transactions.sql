-- Every stored transaction with the obligation the USAspending API would count for it:
-- generated_pragmatic_obligations where the file has it, otherwise what usaspending-api computes --
-- the subsidy cost for loans (07, 08, F003, F004), federal_action_obligation for everything else,
-- NULL as 0.
CREATE OR REPLACE VIEW staging.archive_transactions AS
SELECT t.*,
       coalesce(
           t.generated_pragmatic_obligations,
           CASE WHEN t.assistance_type_code IN ('07', '08', 'F003', 'F004')
                THEN coalesce(t.original_loan_subsidy_cost, 0)
                ELSE coalesce(t.federal_action_obligation, 0)
           END
       ) AS pragmatic_obligation
FROM raw.archive_transactions AS t;

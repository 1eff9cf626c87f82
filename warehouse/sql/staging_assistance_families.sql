-- Assistance-type families (warehouse/assistance_types.py reduces codes to them), and what sets
-- some apart: loan_like, a figure USAspending measures differently (a loan's subsidy cost rather
-- than its face value); non_award, a figure no award and so no USAspending transaction can match.
-- Filled from warehouse/seeds/assistance_families.csv, the one list the explanations read.
CREATE TABLE IF NOT EXISTS staging.assistance_families (
    family VARCHAR PRIMARY KEY,
    loan_like BOOLEAN NOT NULL,
    non_award BOOLEAN NOT NULL
);

-- Two-digit ALN prefix -> agency, for programs USAspending knows but SAM.gov does not list.
CREATE TABLE IF NOT EXISTS staging.agency_prefixes (
    prefix VARCHAR PRIMARY KEY,
    agency VARCHAR NOT NULL
);

-- usaspending.mode api: the API answers only the fiscal years a run asks for, and those are in
-- staging.usaspending_program_year already. The other years an earlier archive-mode run wrote to
-- staging.usaspending_all_years (every year its store held) are not what this run's source says, so
-- they are dropped: never_reported and recon.leads must not read a store this run did not read.
-- An archive-mode run writes them again (archive_staging_usaspending_all_years.sql).
DELETE FROM staging.usaspending_all_years;

-- recon.restatements: a source changing a completed fiscal year's figure from a value that existed,
-- one row per program-year, measure and run (recon.figure_changes has every change and how it splits).
-- Per line: a first report (NULL -> value) is never a restatement, even when the total moves from one
-- value to another because another line already had a figure; nor is a figure stated while the year
-- was running becoming the full-year figure (the first figure stated after the year ended is the
-- baseline). A figure withdrawn after it was stated (NULL, or the line gone) is a change of -old.
-- change: the restated part of new_value - old_value (the lines that already had a figure);
-- first_reported: the part lines' first figures add; lines: the restated lines ('total' for USAspending).
-- "Completed" is judged by the run date of the runs that stated the figures (meta.runs.as_of).
CREATE OR REPLACE VIEW recon.restatements AS
SELECT source,
       program_number,
       fiscal_year,
       measure,
       old_value,
       new_value,
       change,
       old_run_id,
       run_id,
       fetched_at,
       is_current,
       first_reported,
       restated_lines AS lines
FROM recon.figure_changes
WHERE change <> 0

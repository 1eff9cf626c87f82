-- figure_restated: a source restated a completed fiscal year's figure and the restatement stands: the
-- current figure differs from its baseline - the figure first stated after the year ended - by at
-- least the source's minimum and relative threshold (of the baseline). SAM.gov's actual is compared
-- per assistance-type line: a line's baseline is its first figure stated after the year ended, so a
-- line's first report adds nothing (a line that only had NULL has no baseline), an in-year figure
-- becoming the full-year figure is the baseline, and a line withdrawn (NULL, or gone while the
-- program-year's total stays) is -baseline. USAspending's obligations are one line, the total.
-- Against the baseline, drift in small steps adds up, and a small later change cannot resolve a
-- large standing restatement. USAspending's totals drift with late reporting and deobligations, so
-- its thresholds are wider: small drift is recorded in recon.restatements, never flagged.
-- A program-year whose total has no current version (renumbered away) is not compared.
-- "Since last reviewed" is the review's, not the baseline's: re-basing at the figure an analyst reviewed
-- would let a review alone resolve the finding, with no change of figures or settings as its cause. A
-- review records the difference it saw (recon.annotations), and goes stale - the finding needs review
-- again - when the difference moves past the review tolerance since (recon_findings_review.sql).
-- sam_amount / usaspending_amount: the current figures; difference: the larger change of the two
-- sources (current - baseline).
WITH run_dates AS (
    SELECT run_id, coalesce(as_of, CAST(started_at AS DATE)) AS run_date FROM meta.runs
),
versions AS (  -- the lines compared: SAM.gov's actual per line, USAspending's obligations (its total)
    SELECT h.source, h.program_number, h.fiscal_year, h.line, h.value, h.valid_from_run, h.valid_to_run,
           coalesce(d.run_date, CAST(h.fetched_at AS DATE)) >= make_date(h.fiscal_year, 10, 1) AS after_year_end
    FROM recon.figure_history AS h
    LEFT JOIN run_dates AS d ON d.run_id = h.valid_from_run
    WHERE (h.source = 'sam' AND h.measure = 'actual' AND h.line <> 'total')
       OR (h.source = 'usaspending' AND h.measure = 'obligations' AND h.line = 'total')
),
baselines AS (
    SELECT source, program_number, fiscal_year, line, arg_min(value, valid_from_run) AS baseline
    FROM versions
    WHERE after_year_end AND value IS NOT NULL
    GROUP BY ALL
),
stated AS (  -- program-years whose total the source still states
    SELECT DISTINCT source, program_number, fiscal_year
    FROM recon.figure_history
    WHERE line = 'total' AND valid_to_run IS NULL AND measure IN ('actual', 'obligations')
),
drift AS (
    SELECT b.source, b.program_number, b.fiscal_year,
           sum(coalesce(c.value, 0) - b.baseline)::DECIMAL(18,2) AS change,
           sum(b.baseline)::DECIMAL(18,2) AS baseline
    FROM baselines AS b
    JOIN stated AS s USING (source, program_number, fiscal_year)
    LEFT JOIN versions AS c
      ON c.source = b.source AND c.program_number = b.program_number AND c.fiscal_year = b.fiscal_year
     AND c.line = b.line AND c.valid_to_run IS NULL
    GROUP BY ALL
),
standing AS (
    SELECT program_number, fiscal_year, change
    FROM drift
    WHERE CASE source
              WHEN 'sam' THEN abs(change) >= $min_amount
                          AND abs(change) >= $rel_threshold * abs(baseline)
              ELSE abs(change) >= $usaspending_min_amount
               AND abs(change) >= $rel_usaspending_threshold * abs(baseline)
          END
),
largest AS (
    SELECT program_number, fiscal_year, arg_max(change, abs(change)) AS change
    FROM standing
    GROUP BY program_number, fiscal_year
)
SELECT p.program_number,
       p.fiscal_year,
       p.sam_actual AS sam_amount,
       p.usaspending_obligations AS usaspending_amount,
       l.change AS difference
FROM recon.program_year AS p
JOIN largest AS l USING (program_number, fiscal_year)

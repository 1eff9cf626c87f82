-- figure_restated: a source changed a completed fiscal year's figure between runs (recon.restatements)
-- and the change stands: SAM.gov's actual or USAspending's obligations now differ from what the
-- source said before by at least the source's minimum and relative threshold. An earlier figure is
-- needed (a first report is no restatement); an explicit null after a figure counts as a change of
-- the whole figure. USAspending's totals drift with late reporting and deobligations, so its
-- thresholds are wider: small drift is recorded in recon.restatements, never flagged.
-- sam_amount / usaspending_amount: the current figures; difference: the largest change (new - old).
WITH standing AS (
    SELECT r.program_number, r.fiscal_year, r.change
    FROM recon.restatements AS r
    WHERE r.is_current
      AND r.old_value IS NOT NULL
      AND r.measure IN ('actual', 'obligations')
      AND CASE r.source
              WHEN 'sam' THEN abs(r.change) >= $min_amount
                          AND abs(r.change) >= $rel_threshold * abs(r.old_value)
              ELSE abs(r.change) >= $usaspending_min_amount
               AND abs(r.change) >= $rel_usaspending_threshold * abs(r.old_value)
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

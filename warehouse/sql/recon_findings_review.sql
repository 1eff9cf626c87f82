-- Copy the analyst's latest review of each finding onto recon.findings, and judge whether it still
-- applies. An annotation names a program-year and optionally a rule; one without a rule covers every
-- rule of that program-year. The most recent applicable annotation wins.
--
-- A review is of the finding as it stood when it was given: what its line recorded (recon.annotations
-- run_id and findings), or, for a line written before reviews recorded it, the record as of its
-- annotated_at (the last succeeded run started by then, and the finding's last event up to that run).
-- It no longer applies when
--   * the finding did not exist then (a program-year review does not cover a finding that appeared later),
--   * it reopened since (resolved then and not now, or a later run reopened it - not the repair of a
--     warehouse an earlier release wrote, which reopens what that release resolved without a cause), or
--   * its difference moved since by more than both $abs_tolerance and $rel_tolerance of the larger of the
--     two (as amount_mismatch judges a gap). The difference is the finding's own (figure_restated's is the
--     change), or with a figure missing the one figure there is, signed as SAM.gov - USAspending. Events
--     keep no difference: for an older line both sides are the gap between the finding's two amounts.
-- The finding then says needs-review (review_status), review_stale is true, and stale_review gives the
-- old review in words; review_note keeps its note. A line older than every run of this warehouse (one
-- rebuilt since) cannot be checked against its figures: it stands unless the finding reopened.
-- Parameters: $abs_tolerance, $rel_tolerance
CREATE OR REPLACE TEMP TABLE findings_reviewed AS
WITH latest AS (
    SELECT f.program_number, f.fiscal_year, f.rule_id, f.status AS status_now, f.sam_amount, f.usaspending_amount,
           f.difference, a.status, a.note, a.annotated_at, a.findings IS NOT NULL AS recorded,
           a.run_id AS seen_run, list_filter(a.findings, lambda x: x.rule_id = f.rule_id)[1] AS seen
    FROM recon.findings AS f
    JOIN recon.annotations AS a
      ON a.program_number = f.program_number
     AND a.fiscal_year = f.fiscal_year
     AND (a.rule_id IS NULL OR a.rule_id = f.rule_id)
    QUALIFY row_number() OVER (PARTITION BY f.program_number, f.fiscal_year, f.rule_id
                               ORDER BY a.annotated_at DESC, a.rule_id NULLS LAST) = 1
),
older AS (   -- a line without what it saw: the last succeeded run started when it was given
    SELECT l.*,
           CASE WHEN NOT l.recorded THEN
               (SELECT r.run_id FROM meta.runs AS r
                WHERE r.status = 'succeeded' AND r.started_at <= l.annotated_at
                ORDER BY r.started_at DESC, r.run_id DESC LIMIT 1) END AS run_then
    FROM latest AS l
),
then_and_now AS (
    SELECT o.*,
           CASE WHEN o.recorded THEN o.seen IS NOT NULL
                ELSE o.run_then IS NULL OR e.last_event IS NOT NULL END AS existed,
           CASE WHEN o.recorded THEN o.seen.status ELSE e.last_status END AS status_then,
           CASE WHEN o.recorded
                THEN coalesce(o.seen.difference, o.seen.sam_amount - o.seen.usaspending_amount, o.seen.sam_amount,
                              -o.seen.usaspending_amount)
                ELSE coalesce(e.sam_amount - e.usaspending_amount, e.sam_amount, -e.usaspending_amount)
           END AS gap_then,
           CASE WHEN o.recorded
                THEN coalesce(o.difference, o.sam_amount - o.usaspending_amount, o.sam_amount, -o.usaspending_amount)
                ELSE coalesce(o.sam_amount - o.usaspending_amount, o.sam_amount, -o.usaspending_amount)
           END AS gap_now,
           EXISTS (SELECT 1 FROM recon.finding_events AS r
                   WHERE r.program_number = o.program_number AND r.fiscal_year = o.fiscal_year
                     AND r.rule_id = o.rule_id AND r.event = 'reopened' AND r.reason IS DISTINCT FROM 'repair'
                     AND r.run_id > coalesce(CASE WHEN o.recorded THEN o.seen_run ELSE o.run_then END, '')
                     AND (NOT o.recorded OR o.seen_run IS NOT NULL)) AS reopened_later
    FROM older AS o
    LEFT JOIN LATERAL (   -- an older line's finding as of run_then: its last event up to that run
        SELECT max(ev.run_id) AS last_event,
               arg_max(ev.event, ev.run_id) FILTER (WHERE ev.event <> 'severity_changed') AS last_status,
               arg_max(ev.sam_amount, ev.run_id) AS sam_amount,
               arg_max(ev.usaspending_amount, ev.run_id) AS usaspending_amount
        FROM recon.finding_events AS ev
        WHERE ev.program_number = o.program_number AND ev.fiscal_year = o.fiscal_year AND ev.rule_id = o.rule_id
          AND ev.run_id <= o.run_then
    ) AS e ON true
),
judged AS (
    SELECT t.*,
           NOT t.existed AS appeared_later,
           t.existed AND (t.reopened_later OR (t.status_then = 'resolved' AND t.status_now <> 'resolved'))
               AS reopened,
           t.existed AND t.gap_then IS NOT NULL AND t.gap_now IS NOT NULL
           AND abs(t.gap_now - t.gap_then) > $abs_tolerance
           AND abs(t.gap_now - t.gap_then) > $rel_tolerance * greatest(abs(t.gap_then), abs(t.gap_now)) AS moved,
           strftime(t.annotated_at, '%Y-%m-%d') AS given_on
    FROM then_and_now AS t
)
SELECT program_number, fiscal_year, rule_id, status, note,
       appeared_later OR reopened OR moved AS stale,
       -- what recon.findings.review_status says: the review, or needs-review when it no longer applies
       CASE WHEN stale THEN 'needs-review' ELSE status END AS review_status,
       CASE
           WHEN appeared_later THEN format('{} on {}, before this finding existed', status, given_on)
           WHEN reopened AND gap_then IS NULL THEN format('{} on {}; reopened since, now {}', status, given_on,
                                                          money_text(gap_now))
           WHEN reopened THEN format('{} at {} on {}; reopened since, now {}', status, money_text(gap_then),
                                     given_on, money_text(gap_now))
           WHEN moved THEN format('{} at {} on {}; now {}', status, money_text(gap_then), given_on,
                                  money_text(gap_now))
       END AS stale_review
FROM judged;

-- Written only where they differ from what the finding holds: DuckDB writes every string it is given,
-- and clearing and setting every reviewed finding's note each run cost 0.47 s with 20,000 of them
-- (0.01 s with 5,000), where a run changes a few (the findings merge has the same guard).
UPDATE recon.findings AS f
SET review_status = NULL, review_note = NULL, review_stale = NULL, stale_review = NULL
WHERE (f.review_status IS NOT NULL OR f.review_note IS NOT NULL OR f.review_stale IS NOT NULL
       OR f.stale_review IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM findings_reviewed AS r
                  WHERE r.program_number = f.program_number AND r.fiscal_year = f.fiscal_year
                    AND r.rule_id = f.rule_id);

UPDATE recon.findings AS f
SET review_status = r.review_status,
    review_note = r.note,
    review_stale = r.stale,
    stale_review = r.stale_review
FROM findings_reviewed AS r
WHERE f.program_number = r.program_number AND f.fiscal_year = r.fiscal_year AND f.rule_id = r.rule_id
  AND (f.review_status IS DISTINCT FROM r.review_status
       OR f.review_note IS DISTINCT FROM r.note
       OR f.review_stale IS DISTINCT FROM r.stale
       OR f.stale_review IS DISTINCT FROM r.stale_review);

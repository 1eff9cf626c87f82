-- The lines of one part's records the CSV reader refused, in order: the reader's ordinals skip
-- them, so they turn an accepted record's ordinal back into its line. {rejects} as above.
SELECT DISTINCT line FROM {rejects} ORDER BY line;

-- Records of one part the CSV reader refused as not UTF-8: any at all, and the part is read again
-- as Latin-1. {rejects} is the part's rejects table, a name chosen by our code.
SELECT count(*) FROM {rejects} WHERE error_type = 'INVALID ENCODING';

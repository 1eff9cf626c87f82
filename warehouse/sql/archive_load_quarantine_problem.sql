-- One problem row in raw.quarantine, with its line in the part and its text as the file has it.
-- Parameters: $file_id, $file_name, $part, $line, $reason, $detail, $raw, $now
INSERT INTO raw.quarantine VALUES ($file_id, $file_name, $part, $line, $reason, $detail, $raw, $now);

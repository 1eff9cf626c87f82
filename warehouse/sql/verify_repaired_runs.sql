-- The runs that recorded a repair (meta.repairs, where the file has that table): verify's
-- resolutions_have_causes accepts a repair as the cause of that run's resolutions and reopenings.
SELECT DISTINCT run_id FROM meta.repairs WHERE run_id IS NOT NULL ORDER BY run_id

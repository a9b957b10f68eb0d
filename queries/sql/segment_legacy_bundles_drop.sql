-- features.bundles was a table in earlier versions; segment_key_events.sql now computes the
-- bundle's columns per app. Run only when the table is still there.
drop table features.bundles

-- features.ad_events was a table in earlier versions; it is a view now
-- (build_ad_event_features.sql). Run only when it is still a table.
drop table features.ad_events

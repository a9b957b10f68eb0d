-- The columns of every app, place, device and local hour of the loads, as
-- queries.segment_parts.refresh_key_rows last computed them from segment_key_events.sql.
select * from features.ad_event_key_dimensions

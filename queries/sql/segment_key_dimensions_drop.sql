-- The stored columns of the key rows (features.ad_event_key_dimensions) go with the key rows
-- when the feature view is rebuilt; queries.segment_parts.refresh_key_rows computes them again.
drop table if exists features.ad_event_key_dimensions

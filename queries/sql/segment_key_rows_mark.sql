-- Record that the key values of the loads up to $through are in features.ad_event_key_rows.
update features.ad_event_key_rows_loaded
set load_id = $through

-- Record that the key values of the loads up to $through are in features.ad_event_key_rows
-- and that features.ad_event_key_dimensions was computed from inputs $inputs.
update features.ad_event_key_rows_loaded
set load_id = $through, inputs_fingerprint = $inputs

-- The last load whose key values are in features.ad_event_key_rows ("after"), and the
-- last load of raw.ad_events ("through"); -1 when there is none.
select
    (select max(load_id) from features.ad_event_key_rows_loaded) as after,
    coalesce((select max(load_id) from raw.ad_events), -1) as through

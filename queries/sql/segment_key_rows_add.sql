-- Copy into features.ad_event_key_rows one raw row of each app, place, device and local
-- hour first met in the loads after $after, up to $through (see
-- queries.segment_parts.refresh_key_rows).
insert into features.ad_event_key_rows
with

loaded as (
    select event_id
    from raw.ad_events
    where load_id > $after and load_id <= $through
),

new_events as (
    select event_id, app_key, place_key, device_key, local_hour
    from features.ad_events
    -- Before the first refresh every event is new: no need to look their ids up.
    where $after < 0 or event_id in (select event_id from loaded)
),

known as (
    select app_key, place_key, device_key, local_hour
    from features.ad_event_features('features.ad_event_key_rows')
),

grouped as (
    -- One event of each value of each key: the other keys are null on its row.
    select app_key, place_key, device_key, local_hour, min(event_id) as event_id
    from new_events
    group by grouping sets ((app_key), (place_key), (device_key), (local_hour))
),

picked as (
    -- On a row of one key the other keys are null, and "null not in (...)" is null: the
    -- row's own key decides. With nothing known yet, every row is new.
    select event_id
    from grouped
    where app_key not in (select app_key from known)
        or place_key not in (select place_key from known)
        or device_key not in (select device_key from known)
        or local_hour not in (select local_hour from known)
),

final as (
    -- An event id exported twice in these loads copies both rows: any one would do.
    select *
    from raw.ad_events
    where load_id > $after and load_id <= $through
        and event_id in (select event_id from picked)
)

select * from final

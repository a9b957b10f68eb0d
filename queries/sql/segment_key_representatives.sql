-- One event for each value of each key of segment_events.sql (app, place, device, local
-- hour) among the labeled ($labeled true), unlabeled (false) or all (null) events: asked
-- for before the events themselves are read, so that the columns of every key
-- (segment_key_events.sql) are read and encoded while the first events stream in.
with

events as (
    select event_id, app_key, place_key, device_key, local_hour
    from features.ad_events
    where $labeled is null or (segment is not null) = $labeled
),

final as (
    select min(event_id) as event_id from events group by app_key
    union
    select min(event_id) from events group by place_key
    union
    select min(event_id) from events group by device_key
    union
    select min(event_id) from events group by local_hour
)

select event_id from final order by event_id

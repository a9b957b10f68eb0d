-- The segment model's event rows: one row per ad request of a slice, with the features of
-- the request itself (time, shift) and the keys of its app, place, device and local hour
-- (features.ad_events). What depends on one key alone (bundle tokens, categories, region
-- enrichment, os version, part of day) comes once per key value from
-- segment_key_events.sql: strings then cross into Python once per app, not once per
-- event, which was most of the cost of reading the frame.
-- Parameters: $labeled (true: labeled rows, false: unlabeled rows to score, null: all),
-- $date_from / $date_to (Moscow event dates, from inclusive, to exclusive; null = open),
-- $sample_per_million with $seed (a deterministic hash sample; 1000000 keeps every row).
with

events as (
    select *
    from features.ad_events
    where ($labeled is null or (segment is not null) = $labeled)
        and ($date_from is null or event_date >= $date_from)
        and ($date_to is null or event_date < $date_to)
        and ($sample_per_million >= 1000000 or hash(event_id, $seed) % 1000000 < $sample_per_million)
),

final as (
    select
        event_id,
        segment,
        event_date,
        local_hour,
        local_weekday,
        is_weekend::tinyint as is_weekend,
        day_of_month,
        shift_missing::tinyint as shift_missing,
        coalesce(shift_hours, region_msk_offset) as offset_hours,
        app_key,
        place_key,
        device_key
    from events
)

select * from final

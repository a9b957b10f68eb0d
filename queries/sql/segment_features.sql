-- The segment model's frame: one row per ad request with the candidate features.
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

bundles as (
    select * from features.bundles
),

final as (
    select
        events.event_id,
        events.segment,
        events.event_date,
        events.local_hour,
        events.local_weekday,
        events.is_weekend::tinyint as is_weekend,
        events.part_of_day,
        events.day_of_month,
        events.shift_missing::tinyint as shift_missing,
        coalesce(events.shift_hours, events.region_msk_offset) as offset_hours,
        events.os,
        events.os_major,
        events.gamecategory,
        events.subgamecategory,
        events.oblast,
        events.city,
        events.region_msk_offset,
        events.region_population,
        events.region_salary_rank,
        coalesce(events.bundle, '') as bundle,
        coalesce(bundles.bundle_vendor, '') as bundle_vendor,
        coalesce(bundles.bundle_token_text, '') as bundle_token_text,
        bundles.bundle_token_count,
        bundles.bundle_dots,
        bundles.bundle_capitals,
        bundles.bundle_digits,
        bundles.bundle_length
    from events
    left join bundles on bundles.bundle = coalesce(events.bundle, '')
)

select * from final

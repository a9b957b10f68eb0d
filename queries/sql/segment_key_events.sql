-- Every column of the segment frame that depends on one key of segment_events.sql alone,
-- for the events in $event_ids and, with $key_rows, for every key value met so far: the
-- app's (bundle, categories, the bundle's tokens and shape), the place's (region, city,
-- region enrichment), the device's (os and its version) and the local hour's (part of
-- day). Any event stands for all events with the same key value, so queries.segment_features
-- asks for one event per key value: these columns, the bundle's text work above all, are
-- computed for thousands of events instead of millions, and at a cost that follows the
-- number of ids, not of events.
with

events as (
    select *
    from features.ad_events
    where event_id in (select unnest($event_ids::bigint[]))
    union all
    -- One raw row of each key value met so far (features.ad_event_key_rows): no scan of
    -- the events at all.
    select *
    from features.ad_event_features('features.ad_event_key_rows')
    where $key_rows
),

bundles as (
    select distinct coalesce(bundle, '') as bundle
    from events
),

split as (
    select
        bundle,
        -- Camel case becomes dots ("HTTPServer" -> "HTTP.Server", "browserLite" ->
        -- "browser.Lite"), then dots, underscores and dashes split the tokens.
        string_split_regex(
            lower(
                regexp_replace(
                    regexp_replace(bundle, '([A-Z]+)([A-Z][a-z])', '\1.\2', 'g'),
                    '([a-z])([A-Z])', '\1.\2', 'g'
                )
            ),
            '[._\-]+'
        ) as raw_tokens
    from bundles
),

tokens as (
    select
        bundle,
        -- Words every bundle shares carry no signal.
        list_filter(
            raw_tokens,
            lambda t: t <> '' and t not in ('com', 'org', 'android', 'app')
        ) as bundle_tokens
    from split
),

bundle_features as (
    select
        bundle,
        -- The tokens joined by dots: the bundle as text for TF-IDF or CatBoost text features.
        array_to_string(bundle_tokens, '.') as bundle_token_text,
        len(bundle_tokens)::smallint as bundle_token_count,
        -- The publisher's namespace: the first two dot parts, e.g. com.nexters.
        lower(split_part(bundle, '.', 1) || '.' || split_part(bundle, '.', 2)) as bundle_vendor,
        (length(bundle) - length(replace(bundle, '.', '')))::smallint as bundle_dots,
        -- Counting the matches is several times faster than deleting the rest.
        len(regexp_extract_all(bundle, '[A-Z]'))::smallint as bundle_capitals,
        len(regexp_extract_all(bundle, '[0-9]'))::smallint as bundle_digits,
        length(bundle)::smallint as bundle_length
    from tokens
),

final as (
    -- Each key column comes first, followed by the columns that depend on it alone:
    -- queries.segment_features.dimension_columns reads the dimensions from this order.
    -- A new column of an app, place, device or hour goes after its key; one that
    -- depends on more than its key is refused when read.
    -- distinct: an event id exported twice would come twice.
    select distinct
        events.app_key,
        events.gamecategory,
        events.subgamecategory,
        bundle_features.bundle,
        bundle_features.bundle_vendor,
        bundle_features.bundle_token_text,
        bundle_features.bundle_token_count,
        bundle_features.bundle_dots,
        bundle_features.bundle_capitals,
        bundle_features.bundle_digits,
        bundle_features.bundle_length,
        events.place_key,
        events.oblast,
        events.city,
        events.region_msk_offset,
        events.region_population,
        events.region_salary_rank,
        events.device_key,
        events.os,
        events.os_major,
        events.local_hour,
        events.part_of_day
    from events
    inner join bundle_features on bundle_features.bundle = coalesce(events.bundle, '')
)

select * from final

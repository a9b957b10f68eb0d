-- features.ad_events: one row per ad request with the features every audience model
-- shares. Everything is computed from the request itself and reference tables, so it
-- is point-in-time correct by construction. Models pick their columns from here.
-- A view, not a table: materialising it cost more than half of the segment feature build
-- and doubled the events on disk, while every reader scans it once per run anyway (and
-- DuckDB computes only the columns a reader selects). A view is never stale either.
-- The view applies a table macro to raw.ad_events, so that the same columns can be
-- computed for other rows of its shape: features.ad_event_key_rows below.
create or replace macro features.ad_event_features(source) as table
with

events as (
    select * from query_table(source)
),

regions as (
    select region, msk_offset_hours, population, salary_rank
    from ref.regions
),

with_offset as (
    select
        events.*,
        regions.msk_offset_hours as region_msk_offset,
        regions.population as region_population,
        regions.salary_rank as region_salary_rank,
        -- A missing shift falls back on the region's own offset: the best guess of local time.
        coalesce(events.shift_hours, regions.msk_offset_hours, 0) as offset_hours,
        -- Keys of what the app, place and device columns below are computed from, hashed
        -- from the values as exported (hashing the cleaned values costs several times more).
        -- 64-bit hashes: two of 10,000 apps sharing one has a probability near 3e-12.
        hash(events.bundle, events.gamecategory, events.subgamecategory) as app_key,
        hash(events.oblast, events.city) as place_key,
        hash(events.os, events.osv) as device_key
    from events
    left join regions on regions.region = events.oblast
),

local_time as (
    select
        *,
        -- In microseconds: adding an interval to a timestamp costs about twice as much,
        -- and every reader of this view pays it on every event.
        make_timestamp(epoch_us(created) + offset_hours * 3600000000) as local_created
    from with_offset
),

final as (
    select
        event_id,
        segment,
        created,
        created::date as event_date,
        local_created,
        hour(local_created)::tinyint as local_hour,
        isodow(local_created)::tinyint as local_weekday,
        (isodow(local_created) >= 6) as is_weekend,
        case
            when hour(local_created) < 6 then 'night'
            when hour(local_created) < 12 then 'morning'
            when hour(local_created) < 18 then 'afternoon'
            else 'evening'
        end as part_of_day,
        -- Day of month is a property of how the export was assembled; it is kept here
        -- only so that the leakage guard can judge it.
        day(created)::tinyint as day_of_month,
        shift_hours,
        shift_hours is null as shift_missing,
        coalesce(os, 'unknown') as os,
        coalesce(os, 'unknown') || ' ' || coalesce(split_part(osv, '.', 1), '?') as os_major,
        coalesce(gamecategory, 'unknown') as gamecategory,
        coalesce(subgamecategory, 'unknown') as subgamecategory,
        bundle,
        coalesce(oblast, 'unknown') as oblast,
        coalesce(city, 'unknown') as city,
        region_msk_offset,
        region_population,
        region_salary_rank,
        app_key,
        place_key,
        device_key
    from local_time
)

select * from final;

create or replace view features.ad_events as
select * from features.ad_event_features('raw.ad_events');

-- One raw row of each app, place, device and local hour met so far, copied by
-- queries.segment_features.refresh_key_rows from the loads after the one recorded in
-- features.ad_event_key_rows_loaded. Scoring computes the columns of every key value from
-- these few thousand rows at once, instead of first finding one event per key value
-- among millions. Raw rows, not their features: hashes and reference columns are
-- computed when read, so a new DuckDB version or reference table never makes them stale.
-- Rebuilding the view empties them; the next refresh copies them again. Their columns per
-- key value (features.ad_event_key_dimensions) are computed by the same refresh, in Python,
-- from queries/sql/segment_key_events.sql.
create or replace table features.ad_event_key_rows as
select * from raw.ad_events
limit 0;

create or replace table features.ad_event_key_rows_loaded as
select -1::bigint as load_id, null::ubigint as inputs_fingerprint;

comment on table features.ad_event_key_rows is 'One raw row (raw.ad_events) of each app, place, device and local hour met in the loads up to features.ad_event_key_rows_loaded; read through features.ad_event_features. Copied by scoring; never edit.';
comment on table features.ad_event_key_rows_loaded is 'The last load of raw.ad_events whose key values are in features.ad_event_key_rows (-1: none yet).';
comment on column features.ad_event_key_rows_loaded.load_id is 'Load id (ops.loads); -1 before the first refresh.';
comment on column features.ad_event_key_rows_loaded.inputs_fingerprint is 'Fingerprint of what features.ad_event_key_dimensions was computed from besides the key rows (reference table, DuckDB version, query text); a change recomputes it.';
comment on view features.ad_events is 'Features of each ad request shared by the audience models: local time (created + shift), calendar, device, app and region enrichment.';
comment on column features.ad_events.event_id is 'Ad request (raw.ad_events.event_id).';
comment on column features.ad_events.segment is 'Segment label 1..5, NULL for unlabeled requests.';
comment on column features.ad_events.created is 'Event time, Moscow time.';
comment on column features.ad_events.event_date is 'Moscow date of the event; used to split training and holdout on time.';
comment on column features.ad_events.local_created is 'Event time in the user''s local time: created + shift (or the region''s offset when shift is missing).';
comment on column features.ad_events.local_hour is 'Local hour of day, 0..23.';
comment on column features.ad_events.local_weekday is 'Local ISO weekday, 1 = Monday .. 7 = Sunday.';
comment on column features.ad_events.is_weekend is 'Local Saturday or Sunday.';
comment on column features.ad_events.part_of_day is 'night (0-5), morning (6-11), afternoon (12-17) or evening (18-23), local.';
comment on column features.ad_events.day_of_month is 'Moscow day of month. An export artifact: flagged by the leakage guard, not used by default.';
comment on column features.ad_events.shift_hours is 'Offset from Moscow time in hours as exported; NULL when missing.';
comment on column features.ad_events.shift_missing is 'True when the export had no shift and the region''s offset was used.';
comment on column features.ad_events.os is 'android, ios or unknown.';
comment on column features.ad_events.os_major is 'Operating system and major version, e.g. android 11.';
comment on column features.ad_events.gamecategory is 'Store category, unknown when missing.';
comment on column features.ad_events.subgamecategory is 'Store subcategory, unknown when missing.';
comment on column features.ad_events.bundle is 'App bundle id.';
comment on column features.ad_events.oblast is 'Region, unknown when missing.';
comment on column features.ad_events.city is 'City, unknown when missing.';
comment on column features.ad_events.region_msk_offset is 'Offset of the region from Moscow (ref.regions).';
comment on column features.ad_events.region_population is 'Population of the region (ref.regions).';
comment on column features.ad_events.region_salary_rank is 'Rank of the region by average salary, 1 = highest (ref.regions).';
comment on column features.ad_events.app_key is 'Hash of bundle, gamecategory and subgamecategory as exported: events with one app_key share every app column. DuckDB''s hash() may change between versions: join on it within a query or run, never store it.';
comment on column features.ad_events.place_key is 'Hash of oblast and city as exported: events with one place_key share every region and city column. Join on it within a run, never store it.';
comment on column features.ad_events.device_key is 'Hash of os and osv as exported: events with one device_key share os and os_major. Join on it within a run, never store it.';

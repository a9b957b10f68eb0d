-- marts.audience_values: the dictionary of the coded cube. Every value of every explorer
-- dimension gets a small integer code (numbers in order, then text in order, with the
-- catch-all groups last), so the dashboard filters and groups on one-byte integers.
create or replace table marts.audience_values as
with

cube as (
    select * from marts.audience_cube
),

values_long as (
    select 'local_hour' as dimension, local_hour::varchar as value, local_hour as number, events from cube
    union all select 'local_weekday', local_weekday::varchar, local_weekday, events from cube
    union all select 'region_group', region_group, null, events from cube
    union all select 'gamecategory', gamecategory, null, events from cube
    union all select 'bundle_group', bundle_group, null, events from cube
    union all select 'segment', segment, null, events from cube
    union all select 'predicted_segment', predicted_segment, null, events from cube
    union all select 'cluster', cluster, try_cast(cluster as integer), events from cube
),

totals as (
    select dimension, value, any_value(number) as number, sum(events)::bigint as events
    from values_long
    group by dimension, value
),

final as (
    select
        dimension,
        (row_number() over (
            partition by dimension
            order by value in ('other', 'unlabeled', 'not scored', 'none'), number nulls last, value
        ) - 1)::utinyint as code,
        value,
        events
    from totals
)

select * from final order by dimension, code;

comment on table marts.audience_values is 'Codes of the audience cube: each value of each explorer dimension and its one-byte code in marts.audience_cube_codes.';
comment on column marts.audience_values.dimension is 'Explorer dimension (a column of marts.audience_cube).';
comment on column marts.audience_values.code is 'Code of the value, 0.. in display order (catch-all groups last).';
comment on column marts.audience_values.value is 'The value as text, as in marts.audience_cube.';
comment on column marts.audience_values.events is 'Ad events with this value.';

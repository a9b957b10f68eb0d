-- marts.audience_cube_codes: marts.audience_cube with every dimension replaced by its code
-- (marts.audience_values). One-byte codes make the explorer's filtered aggregates several
-- times faster than on text; sorted so that zone maps skip blocks on common filters.
create or replace table marts.audience_cube_codes as
with

cube as (
    select * from marts.audience_cube
),

codes as (
    select dimension, value, code from marts.audience_values
),

final as (
    select
        hour.code as local_hour,
        weekday.code as local_weekday,
        region.code as region_group,
        category.code as gamecategory,
        bundle.code as bundle_group,
        segment.code as segment,
        predicted.code as predicted_segment,
        cluster.code as cluster,
        cube.events::integer as events
    from cube
    inner join codes as hour on hour.dimension = 'local_hour' and hour.value = cube.local_hour::varchar
    inner join codes as weekday on weekday.dimension = 'local_weekday' and weekday.value = cube.local_weekday::varchar
    inner join codes as region on region.dimension = 'region_group' and region.value = cube.region_group
    inner join codes as category on category.dimension = 'gamecategory' and category.value = cube.gamecategory
    inner join codes as bundle on bundle.dimension = 'bundle_group' and bundle.value = cube.bundle_group
    inner join codes as segment on segment.dimension = 'segment' and segment.value = cube.segment
    inner join codes as predicted on predicted.dimension = 'predicted_segment' and predicted.value = cube.predicted_segment
    inner join codes as cluster on cluster.dimension = 'cluster' and cluster.value = cube.cluster
)

select * from final
order by segment, predicted_segment, cluster, region_group;

comment on table marts.audience_cube_codes is 'marts.audience_cube with dimension values replaced by their codes (marts.audience_values); what the dashboard queries.';
comment on column marts.audience_cube_codes.local_hour is 'Code of the local hour.';
comment on column marts.audience_cube_codes.local_weekday is 'Code of the local weekday.';
comment on column marts.audience_cube_codes.region_group is 'Code of the region group.';
comment on column marts.audience_cube_codes.gamecategory is 'Code of the app category group.';
comment on column marts.audience_cube_codes.bundle_group is 'Code of the bundle group.';
comment on column marts.audience_cube_codes.segment is 'Code of the labelled segment.';
comment on column marts.audience_cube_codes.predicted_segment is 'Code of the predicted segment.';
comment on column marts.audience_cube_codes.cluster is 'Code of the cluster.';
comment on column marts.audience_cube_codes.events is 'Number of ad events with these values.';

-- marts.audience_cube: ad events counted by every explorer dimension. The dashboard's
-- cross-filter turns a selection into a where clause on this table, so no interaction
-- scans raw events.
create or replace table marts.audience_cube as
with

dims as (
    select * from cube_event_dims
),

final as (
    select
        local_hour,
        local_weekday,
        region_group,
        gamecategory,
        bundle_group,
        segment,
        predicted_segment,
        cluster,
        count(*) as events
    from dims
    group by all
)

select * from final
order by segment, predicted_segment, cluster, region_group;

comment on table marts.audience_cube is 'Ad events counted by local hour, weekday, region, app category, bundle, segment, predicted segment and cluster; the audience explorer filters it.';
comment on column marts.audience_cube.local_hour is 'Local hour of day, 0..23 (features.ad_events).';
comment on column marts.audience_cube.local_weekday is 'Local ISO weekday, 1 = Monday .. 7 = Sunday.';
comment on column marts.audience_cube.region_group is 'Region, one of the 12 with most events, else other.';
comment on column marts.audience_cube.gamecategory is 'App store category, one of the 12 with most events, else other.';
comment on column marts.audience_cube.bundle_group is 'App bundle, one of the 15 with most events, else other.';
comment on column marts.audience_cube.segment is 'Labelled segment 1..5, or unlabeled.';
comment on column marts.audience_cube.predicted_segment is 'Segment predicted by the newest segment run (unlabeled and holdout events), or not scored.';
comment on column marts.audience_cube.cluster is 'Cluster from the newest clusters run, or none.';
comment on column marts.audience_cube.events is 'Number of ad events with these values.';

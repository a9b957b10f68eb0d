-- Every ad event with the dimensions of the audience explorer (top-N grouped). A temp
-- table, read by the audience cube and the SHAP cube and then dropped.
create or replace temp table cube_event_dims as
with

events as (
    select event_id, segment, local_hour, local_weekday, oblast, gamecategory, bundle
    from features.ad_events
),

top_values as (
    select dimension, value from cube_top_values
),

predicted as (
    select event_id, any_value(predicted_segment) as predicted_segment
    from cube_predicted group by event_id
),

clusters as (
    select event_id, any_value(cluster) as cluster from cube_cluster group by event_id
),

final as (
    select
        events.event_id,
        events.local_hour,
        events.local_weekday,
        coalesce(regions.value, 'other') as region_group,
        coalesce(categories.value, 'other') as gamecategory,
        coalesce(bundles.value, 'other') as bundle_group,
        coalesce(events.segment::varchar, 'unlabeled') as segment,
        coalesce(predicted.predicted_segment, 'not scored') as predicted_segment,
        coalesce(clusters.cluster, 'none') as cluster
    from events
    left join top_values as regions
        on regions.dimension = 'region' and regions.value = events.oblast
    left join top_values as categories
        on categories.dimension = 'gamecategory' and categories.value = events.gamecategory
    left join top_values as bundles
        on bundles.dimension = 'bundle' and bundles.value = events.bundle
    left join predicted on predicted.event_id = events.event_id
    left join clusters on clusters.event_id = events.event_id
)

select * from final;

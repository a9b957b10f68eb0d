-- The fields shown next to each scored event of an uploaded file.
with

features as (
    select event_id, segment, gamecategory, bundle, oblast, local_hour from features.ad_events
),

final as (
    select * from features
)

select * from final order by event_id

-- Every event's shared ad-event features in a scratch warehouse, for a model to score.
with

features as (
    select * from features.ad_events
),

final as (
    select * from features
)

select * from final order by event_id

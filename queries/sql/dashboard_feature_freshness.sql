-- Whether features.ad_events covers raw.ad_events: row counts and largest event id of both.
with

raw_side as (
    select count(*) as raw, max(event_id) as raw_max from raw.ad_events
),

feature_side as (
    select count(*) as features, max(event_id) as features_max from features.ad_events
),

final as (
    select * from raw_side, feature_side
)

select * from final

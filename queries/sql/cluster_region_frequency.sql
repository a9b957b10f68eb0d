-- How common each region is among all ad requests: the region frequency encoding of
-- the cluster features (log of the region's share of events).
with

events as (
    select oblast from features.ad_events
),

counts as (
    select oblast, count(*) as events
    from events
    group by oblast
),

final as (
    select oblast, events, ln(events / sum(events) over ()) as log_share
    from counts
)

select * from final
order by oblast;

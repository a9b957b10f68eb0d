-- A deterministic pseudo-random sample of ad requests with the columns the cluster
-- model, its profiles and its projection read: the $rows events of smallest
-- hash(event_id, $seed), all events or ($labeled_only) labeled ones only. Ordering by
-- a hash, not by storage order, keeps the sample the same whatever the load order.
with

events as (
    select
        event_id,
        segment,
        local_hour,
        local_weekday,
        day_of_month,
        oblast,
        region_msk_offset,
        region_population,
        region_salary_rank,
        gamecategory
    from features.ad_events
    where not $labeled_only or segment is not null
),

final as (
    select *
    from events
    order by hash(event_id, $seed), event_id
    limit $rows
)

select * from final;

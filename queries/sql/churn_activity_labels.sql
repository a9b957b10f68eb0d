-- Activity churn label of every row of churn_activity_snapshots: 1 when the user has no
-- event in (t, t + $horizon + $grace] days. Mature once t + $horizon + $grace <= $as_of.
with

snapshots as (
    select snapshot_date, user_id, snapshot_date + interval 1 day as cutoff
    from churn_activity_snapshots
),

returned as (
    select distinct snapshots.snapshot_date, snapshots.user_id
    from snapshots
    join churn_activity_events as events
        on events.user_id = snapshots.user_id
        and events.event_time >= snapshots.cutoff
        and events.event_time < snapshots.cutoff + to_days(($horizon + $grace)::integer)
),

final as (
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        'activity' as cohort,
        (returned.user_id is null)::integer as label,
        snapshots.snapshot_date + ($horizon + $grace)::integer <= $as_of::date as matured
    from snapshots
    left join returned using (snapshot_date, user_id)
)

select * from final

-- Events assigned by cluster run $run_id against all events of features.ad_events: the
-- two must be equal once the run's assignment is complete.
with

assigned as (
    select count(*) as assigned
    from marts.cluster_assignments
    where run_id = $run_id
),

events as (
    select count(*) as events
    from features.ad_events
),

final as (
    select assigned.assigned, events.events
    from assigned
    cross join events
)

select * from final

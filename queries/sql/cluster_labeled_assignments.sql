-- Cluster of each labeled event of cluster run $run_id, as text (a category for the
-- segment model). Only labeled events: the segment model trains and evaluates on nothing
-- else.
with

assignments as (
    select event_id, cluster
    from marts.cluster_assignments
    where run_id = $run_id
),

labeled_events as (
    select event_id
    from features.ad_events
    where segment is not null
),

final as (
    select assignments.event_id, assignments.cluster::varchar as cluster_id
    from assignments
    inner join labeled_events on labeled_events.event_id = assignments.event_id
)

select * from final

-- Cluster of each event, from the newest clusters run that assigned any.
insert into cube_cluster
with

runs as (
    select run_id, created_at from ml.model_runs
),

latest as (
    select assignments.run_id
    from marts.cluster_assignments as assignments
    left join runs on runs.run_id = assignments.run_id
    order by runs.created_at desc nulls last
    limit 1
),

final as (
    select event_id, cluster::varchar as cluster
    from marts.cluster_assignments
    where run_id = (select run_id from latest)
)

select * from final;

-- Cluster runs that have a coverage table, newest first.
with

covered as (
    select distinct run_id from marts.cluster_coverage
),

runs as (
    select run_id, created_at from ml.model_runs
),

final as (
    select covered.run_id, runs.created_at
    from covered
    left join runs on runs.run_id = covered.run_id
)

select * from final order by created_at desc nulls last

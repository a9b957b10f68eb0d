-- Succeeded runs of one kind, newest first.
with

runs as (
    select run_id, kind, created_at, metrics from ml.model_runs
    where kind = $kind and status = 'succeeded'
),

final as (
    select run_id, created_at, metrics from runs
)

select * from final order by created_at desc

-- Model runs with their headline metrics (no artifacts).
with

runs as (
    select run_id, kind, target, created_at, status, metrics from ml.model_runs
),

final as (
    select
        run_id,
        kind,
        target,
        created_at,
        status,
        coalesce(
            metrics->>'roc_auc_macro', metrics->>'roc_auc', metrics->>'phik'
        )::double as headline,
        case
            when metrics->>'roc_auc_macro' is not null then 'roc_auc_macro'
            when metrics->>'roc_auc' is not null then 'roc_auc'
            when metrics->>'phik' is not null then 'phik'
        end as headline_metric,
        (metrics->>'log_loss')::double as log_loss,
        (metrics->>'accuracy')::double as accuracy
    from runs
)

select * from final order by created_at desc

-- Runs, newest first, with their headline metric (any kind, or one).
select
    run_id, kind, target, created_at, status,
    coalesce(metrics->>'roc_auc_macro', metrics->>'roc_auc', metrics->>'phik') as headline,
    data_fingerprint
from ml.model_runs
where $kind is null or kind = $kind
order by created_at desc

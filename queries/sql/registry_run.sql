-- A run's registry row without its artifact, JSON columns as text.
select
    run_id, kind, target, created_at, params, features, metrics, data_fingerprint,
    library_versions, status, notes, timings
from ml.model_runs
where run_id = $run_id

-- One trained model into the registry (modeling.registry.save_run).
insert into ml.model_runs (
    run_id, kind, target, created_at, params, features, metrics, data_fingerprint,
    library_versions, status, artifact, artifact_sha256, notes, timings
)
values (
    $run_id, $kind, $target, $created_at, $params, $features, $metrics, $data_fingerprint,
    $library_versions, $status, $artifact, $artifact_sha256, $notes, $timings
)

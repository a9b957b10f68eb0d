-- A run's stored model with what it is checked against before loading.
select artifact, artifact_sha256, library_versions
from ml.model_runs
where run_id = $run_id

-- Assignment rows of every cluster run but $keep_run_id.
select count(*) as assignments
from marts.cluster_assignments
where run_id <> $keep_run_id

-- Delete the assignments of every cluster run but $keep_run_id (the bulky table).
delete from marts.cluster_assignments
where run_id <> $keep_run_id

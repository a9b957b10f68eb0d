-- Remove run $run_id's rows from one of a cluster run's tables. The table slot is filled
-- by modeling/clusters/store.py from its allow-list of run tables only.
delete from {table}
where run_id = $run_id

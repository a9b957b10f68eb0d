-- A training run's holdout predictions replace any earlier ones of $run_id.
delete from marts.segment_holdout where run_id = $run_id

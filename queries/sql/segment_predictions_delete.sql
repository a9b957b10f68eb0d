-- A scoring run replaces its earlier predictions: $run_id's rows go first.
delete from marts.segment_predictions where run_id = $run_id

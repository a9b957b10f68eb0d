-- Predicted segment per event for the cubes, from succeeded segment runs only (comparison
-- runs have a holdout too, but are never the model): unlabeled events from the newest run
-- that scored any, labeled holdout events from the newest run with a holdout.
insert into cube_predicted
with

runs as (
    select run_id, created_at from ml.model_runs
    where kind = 'segment' and status = 'succeeded'
),

predicted as (
    select 'scored' as source, run_id, event_id, predicted_segment
    from marts.segment_predictions
    union all
    select 'holdout' as source, run_id, event_id, predicted_segment
    from marts.segment_holdout
),

latest as (
    select source, arg_max(run_id, created_at) as run_id
    from (select distinct source, run_id from predicted) as sources
    inner join runs using (run_id)
    group by source
),

final as (
    select event_id, predicted_segment::varchar as predicted_segment
    from predicted
    inner join latest using (source, run_id)
)

select * from final;

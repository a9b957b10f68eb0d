-- Predicted segment of unlabeled events, from the newest segment run that scored any.
insert into cube_predicted
with

runs as (
    select run_id, created_at from ml.model_runs where kind = 'segment'
),

latest as (
    select predictions.run_id
    from marts.segment_predictions as predictions
    inner join runs on runs.run_id = predictions.run_id
    order by runs.created_at desc
    limit 1
),

final as (
    select event_id, predicted_segment::varchar as predicted_segment
    from marts.segment_predictions
    where run_id = (select run_id from latest)
)

select * from final;

-- Classes explained for one row of a run, with the row's predicted segment if known.
with

classes as (
    select distinct class_label from ml.shap where run_id = $run_id and row_id = $row_id
),

predicted as (
    select predicted_segment::varchar as predicted from marts.segment_holdout
    where run_id = $run_id and event_id = $row_id
    union all
    select predicted_segment::varchar from marts.segment_predictions
    where run_id = $run_id and event_id = $row_id
),

final as (
    select classes.class_label, (select any_value(predicted) from predicted) as predicted
    from classes
)

select * from final order by class_label

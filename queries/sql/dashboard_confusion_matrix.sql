-- Multiclass confusion matrix (actual x predicted) of one run's holdout.
with

holdout as (
    select segment, predicted_segment from marts.segment_holdout where run_id = $run_id
),

final as (
    select segment::varchar as actual, predicted_segment::varchar as predicted, count(*) as rows
    from holdout
    group by all
)

select * from final order by actual, predicted

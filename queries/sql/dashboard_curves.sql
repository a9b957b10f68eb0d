-- Evaluation curves of one run.
with

curves as (
    select curve, class_label, point, x, y, threshold from ml.curves where run_id = $run_id
),

final as (
    select * from curves
)

select * from final order by curve, class_label, point

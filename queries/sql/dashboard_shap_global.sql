-- Global mean |SHAP| per class and feature of one run.
with

importance as (
    select class_label, feature, mean_abs_shap from ml.shap_global where run_id = $run_id
),

final as (
    select * from importance
)

select * from final order by class_label, mean_abs_shap desc

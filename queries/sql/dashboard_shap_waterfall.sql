-- SHAP values of one explained row for one class, largest contribution first.
with

shap as (
    select feature, feature_value, shap_value
    from ml.shap
    where run_id = $run_id and row_id = $row_id and class_label = $class_label
),

final as (
    select * from shap
)

select * from final order by abs(shap_value) desc

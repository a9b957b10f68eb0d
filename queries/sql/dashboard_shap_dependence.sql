-- SHAP value of one feature against its value, for one class.
with

shap as (
    select row_id, feature_value, try_cast(feature_value as double) as numeric_value, shap_value
    from ml.shap
    where run_id = $run_id and class_label = $class_label and feature = $feature
),

final as (
    select * from shap
)

select * from final order by numeric_value nulls last, feature_value

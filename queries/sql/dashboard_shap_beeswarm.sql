-- SHAP values of one class for the beeswarm, with each row's feature value ranked 0..1
-- within its feature (numbers by value, categories by text) for colouring.
with

shap as (
    select row_id, feature, feature_value, shap_value
    from ml.shap
    where run_id = $run_id and class_label = $class_label
),

ranked as (
    select
        *,
        percent_rank() over (
            partition by feature order by try_cast(feature_value as double), feature_value
        ) as value_rank
    from shap
),

final as (
    select * from ranked
)

select * from final

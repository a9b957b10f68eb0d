-- Mean |SHAP| per class and feature over the explained rows matching the cross-filters.
with

cube as (
    select * from marts.shap_cube where run_id = $run_id
),

filtered as (
    select * from cube where {where}
),

final as (
    select
        class_label,
        feature,
        sum(sum_abs_shap) / nullif(sum(rows), 0) as mean_abs_shap,
        sum(sum_shap) / nullif(sum(rows), 0) as mean_shap,
        sum(rows)::bigint as rows
    from filtered
    group by class_label, feature
)

select * from final order by class_label, mean_abs_shap desc

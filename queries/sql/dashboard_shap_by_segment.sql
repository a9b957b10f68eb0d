-- Mean |SHAP| per feature for each segment (marts.shap_cube), for one run and class.
with

cube as (
    select * from marts.shap_cube where run_id = $run_id and class_label = $class_label
),

final as (
    select
        segment as grp,
        feature,
        sum(sum_abs_shap) / nullif(sum(rows), 0) as mean_abs_shap,
        sum(sum_shap) / nullif(sum(rows), 0) as mean_shap,
        sum(rows)::bigint as rows
    from cube
    group by all
)

select * from final order by grp, mean_abs_shap desc

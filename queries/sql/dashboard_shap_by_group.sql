-- Mean |SHAP| per feature for each group of $dimension ('segment' or 'cluster') in
-- marts.shap_cube, for one run and class. The column is chosen by `case` so that the
-- dimension travels as a bound value like any other.
with

cube as (
    select * from marts.shap_cube where run_id = $run_id and class_label = $class_label
),

final as (
    select
        case $dimension when 'segment' then segment when 'cluster' then cluster end as grp,
        feature,
        sum(sum_abs_shap) / nullif(sum(rows), 0) as mean_abs_shap,
        sum(sum_shap) / nullif(sum(rows), 0) as mean_shap,
        sum(rows)::bigint as rows
    from cube
    group by all
)

select * from final order by grp, mean_abs_shap desc

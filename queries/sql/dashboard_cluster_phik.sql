-- phik correlations of one cluster run.
with

phik as (
    select variable_x, variable_y, phik, significance from marts.cluster_phik where run_id = $run_id
),

final as (
    select * from phik
)

select * from final order by phik desc nulls last

-- phik and silhouette against the number of clusters, per variant, for one run.
with

curves as (
    select variant, k, phik, silhouette from marts.cluster_k_selection where run_id = $run_id
),

final as (
    select * from curves
)

select * from final order by variant, k

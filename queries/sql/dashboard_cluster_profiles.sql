-- Profiles of the clusters of one run: share of each value per dimension.
with

profiles as (
    select cluster, dimension, value, events, share
    from marts.cluster_profiles
    where run_id = $run_id
),

final as (
    select * from profiles
)

select * from final order by dimension, cluster, share desc

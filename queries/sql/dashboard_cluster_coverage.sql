-- Coverage of segments by the clusters of one run.
with

coverage as (
    select cluster, segment, events, row_share, column_share, lift, cluster_size
    from marts.cluster_coverage
    where run_id = $run_id
),

final as (
    select * from coverage
)

select * from final order by cluster, segment

-- 2D projection points of one cluster run (cluster and segment as text for colouring).
with

points as (
    select x, y, cluster, segment from marts.cluster_projection where run_id = $run_id
),

final as (
    select
        x,
        y,
        cluster::varchar as cluster,
        coalesce(segment::varchar, 'unlabeled') as segment
    from points
)

select * from final

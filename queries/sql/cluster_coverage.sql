-- marts.cluster_coverage for cluster run $run_id: how the segments spread over the
-- clusters. Every cluster x segment combination gets a row (zero events included).
-- Shares and lift count labeled events only; cluster_size counts every assigned event.
-- Reference definition: modeling.clusters.coverage.coverage.
insert into marts.cluster_coverage
with

assignments as (
    select event_id, cluster
    from marts.cluster_assignments
    where run_id = $run_id
),

events as (
    select event_id, segment from features.ad_events
),

counts as (
    select assignments.cluster, events.segment, count(*) as events
    from assignments
    inner join events on events.event_id = assignments.event_id
    group by all
),

sizes as (
    select cluster, sum(events)::bigint as cluster_size
    from counts
    group by cluster
),

segments as (
    select distinct segment from counts where segment is not null
),

grid as (
    select
        sizes.cluster,
        segments.segment,
        coalesce(counts.events, 0)::bigint as events,
        sizes.cluster_size
    from sizes
    cross join segments
    left join counts
        on counts.cluster = sizes.cluster and counts.segment = segments.segment
),

totals as (
    select
        grid.*,
        sum(events) over (partition by cluster) as cluster_labeled,
        sum(events) over (partition by segment) as segment_labeled,
        sum(events) over () as all_labeled
    from grid
),

final as (
    select
        $run_id as run_id,
        cluster,
        segment,
        events,
        events / nullif(cluster_labeled, 0) as row_share,
        events / nullif(segment_labeled, 0) as column_share,
        (events / nullif(cluster_labeled, 0)) / (segment_labeled / all_labeled) as lift,
        cluster_size
    from totals
)

select * from final;

-- marts.cluster_profiles for cluster run $run_id: each cluster's events by local hour
-- and weekday (every value), and its $top_n regions and app categories (ties broken
-- by name). Shares are of all the cluster's assigned events.
-- Reference definition: modeling.clusters.coverage.profiles.
insert into marts.cluster_profiles
with

assigned as (
    select
        assignments.cluster,
        events.local_hour,
        events.local_weekday,
        events.oblast,
        events.gamecategory
    from marts.cluster_assignments as assignments
    inner join features.ad_events as events on events.event_id = assignments.event_id
    where assignments.run_id = $run_id
),

counts as (
    select
        cluster,
        case
            when grouping(local_hour) = 0 then 'local_hour'
            when grouping(local_weekday) = 0 then 'local_weekday'
            when grouping(oblast) = 0 then 'oblast'
            else 'gamecategory'
        end as dimension,
        case
            when grouping(local_hour) = 0 then local_hour::varchar
            when grouping(local_weekday) = 0 then local_weekday::varchar
            when grouping(oblast) = 0 then oblast
            else gamecategory
        end as value,
        count(*) as events
    from assigned
    group by grouping sets (
        (cluster, local_hour),
        (cluster, local_weekday),
        (cluster, oblast),
        (cluster, gamecategory)
    )
),

ranked as (
    select
        counts.*,
        sum(events) over (partition by cluster, dimension) as cluster_events,
        row_number() over (partition by cluster, dimension order by events desc, value) as rank
    from counts
),

final as (
    select
        $run_id as run_id,
        cluster,
        dimension,
        value,
        events,
        events / cluster_events as share
    from ranked
    where dimension in ('local_hour', 'local_weekday') or rank <= $top_n
)

select * from final;

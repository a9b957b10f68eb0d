-- Viewing features of every row of churn_snapshots, from sessions that started by the end
-- of the snapshot day t: watch time over 7, 14 and 30 days and how it moved against the 14
-- days before, titles and genres, how long since the last view, unfinished sessions.
-- Windows end with day t inclusive: "30 days" is [t - 29, t + 1 day).
with

snapshots as (
    select snapshot_date, user_id, snapshot_date + interval 1 day as cutoff
    from churn_snapshots
),

recent as (
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        date_diff('day', viewing.started_at::date, snapshots.snapshot_date) as days_ago,
        viewing.content_id,
        viewing.genre,
        viewing.duration_min,
        viewing.content_duration_min
    from snapshots
    join raw.viewing as viewing
        on viewing.user_id = snapshots.user_id
        and viewing.started_at < snapshots.cutoff
        and viewing.started_at >= snapshots.cutoff - interval 30 day
),

windows as (
    select
        snapshot_date,
        user_id,
        sum(duration_min) filter (where days_ago < 7) as watch_min_7d,
        sum(duration_min) filter (where days_ago < 14) as watch_min_14d,
        -- The 14 days before the last 14, for the trend: days t - 27 .. t - 14.
        sum(duration_min) filter (where days_ago between 14 and 27) as watch_min_prev_14d,
        sum(duration_min) as watch_min_30d,
        count(*) as views_30d,
        count(distinct content_id) as titles_30d,
        count(distinct genre) as genres_30d,
        -- A session is unfinished when it stops before 90 % of the title.
        avg((duration_min < 0.9 * content_duration_min)::integer)
            filter (where content_duration_min > 0) as unfinished_share_30d
    from recent
    group by all
),

last_view as (
    -- As-of join: the latest session that started before the cutoff, however long ago.
    select snapshots.snapshot_date, snapshots.user_id, viewing.started_at as last_view_at
    from snapshots
    asof join raw.viewing as viewing
        on viewing.user_id = snapshots.user_id
        and viewing.started_at < snapshots.cutoff
),

final as (
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        coalesce(windows.watch_min_7d, 0) as watch_min_7d,
        coalesce(windows.watch_min_14d, 0) as watch_min_14d,
        coalesce(windows.watch_min_30d, 0) as watch_min_30d,
        coalesce(windows.watch_min_prev_14d, 0) as watch_min_prev_14d,
        -- Percent change of the last 14 days against the 14 before; NULL without a base.
        case when windows.watch_min_prev_14d > 0 then
            100 * (coalesce(windows.watch_min_14d, 0) - windows.watch_min_prev_14d)
                / windows.watch_min_prev_14d
        end as watch_change_14d_pct,
        coalesce(windows.views_30d, 0) as views_30d,
        coalesce(windows.titles_30d, 0) as titles_30d,
        coalesce(windows.genres_30d, 0) as genres_30d,
        date_diff('day', last_view.last_view_at::date, snapshots.snapshot_date)
            as days_since_last_view,
        windows.unfinished_share_30d
    from snapshots
    left join windows using (snapshot_date, user_id)
    left join last_view using (snapshot_date, user_id)
)

select * from final

-- App features of every row of churn_snapshots, from events before the end of the snapshot
-- day t: sessions per platform over 30 days (a session starts after 30 minutes without an
-- event on that platform), events over 7 and 30 days, active days (app or viewing), days
-- since the last event, and whether the user has linked a payment card (a `link_card`
-- event), which turns a trial's end into an automatic renewal.
with

snapshots as (
    select snapshot_date, user_id, snapshot_date + interval 1 day as cutoff
    from churn_snapshots
),

bounds as (
    select min(cutoff) - interval 31 day as first_needed, max(cutoff) as last_needed
    from snapshots
),

events as (
    -- Session starts look back at the previous event only, so they never see the future.
    select
        app.user_id,
        app.event_time,
        app.platform,
        coalesce(
            app.event_time - lag(app.event_time) over (
                partition by app.user_id, app.platform order by app.event_time
            ) > interval 30 minute,
            true
        ) as starts_session
    from raw.app_events as app, bounds
    where app.event_time >= bounds.first_needed and app.event_time < bounds.last_needed
),

recent as (
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        date_diff('day', events.event_time::date, snapshots.snapshot_date) as days_ago,
        events.event_time::date as event_day,
        events.platform,
        events.starts_session
    from snapshots
    join events
        on events.user_id = snapshots.user_id
        and events.event_time < snapshots.cutoff
        and events.event_time >= snapshots.cutoff - interval 30 day
),

app_windows as (
    select
        snapshot_date,
        user_id,
        count(*) filter (where days_ago < 7) as app_events_7d,
        count(*) as app_events_30d,
        count(*) filter (where starts_session and platform = 'web') as sessions_web_30d,
        count(*) filter (where starts_session and platform = 'android') as sessions_android_30d,
        count(*) filter (where starts_session and platform = 'ios') as sessions_ios_30d,
        count(*) filter (where starts_session and platform = 'smart_tv') as sessions_smart_tv_30d
    from recent
    group by all
),

view_days as (
    select snapshots.snapshot_date, snapshots.user_id, viewing.started_at::date as active_day
    from snapshots
    join raw.viewing as viewing
        on viewing.user_id = snapshots.user_id
        and viewing.started_at < snapshots.cutoff
        and viewing.started_at >= snapshots.cutoff - interval 30 day
),

active as (
    select snapshot_date, user_id, count(distinct active_day) as active_days_30d
    from (
        select snapshot_date, user_id, event_day as active_day from recent
        union all
        select snapshot_date, user_id, active_day from view_days
    )
    group by all
),

cards as (
    select snapshots.snapshot_date, snapshots.user_id, count(*) as card_links
    from snapshots
    join raw.app_events as app
        on app.user_id = snapshots.user_id
        and app.event_type = 'link_card'
        and app.event_time < snapshots.cutoff
    group by all
),

last_event as (
    select snapshots.snapshot_date, snapshots.user_id, app.event_time as last_event_at
    from snapshots
    asof join raw.app_events as app
        on app.user_id = snapshots.user_id
        and app.event_time < snapshots.cutoff
),

final as (
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        coalesce(app_windows.app_events_7d, 0) as app_events_7d,
        coalesce(app_windows.app_events_30d, 0) as app_events_30d,
        coalesce(app_windows.sessions_web_30d, 0) as sessions_web_30d,
        coalesce(app_windows.sessions_android_30d, 0) as sessions_android_30d,
        coalesce(app_windows.sessions_ios_30d, 0) as sessions_ios_30d,
        coalesce(app_windows.sessions_smart_tv_30d, 0) as sessions_smart_tv_30d,
        coalesce(active.active_days_30d, 0) as active_days_30d,
        date_diff('day', last_event.last_event_at::date, snapshots.snapshot_date)
            as days_since_last_event,
        (coalesce(cards.card_links, 0) > 0)::integer as card_linked
    from snapshots
    left join app_windows using (snapshot_date, user_id)
    left join active using (snapshot_date, user_id)
    left join cards using (snapshot_date, user_id)
    left join last_event using (snapshot_date, user_id)
)

select * from final

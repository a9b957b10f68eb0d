-- Long-window activity of every row of churn_snapshots, from viewing sessions and app
-- events before the end of the snapshot day t, counted together: how many over 7, 30 and
-- 90 days, how old they are on average (recent events mean rising use, old ones fading
-- use), and the rate per subscribed day, so that a user who joined a week ago or lapsed
-- in between is compared fairly. Subscribed days come from payments made by t. Activity
-- since the current period started, per day, is the freshest measure of how much the
-- subscription is used; on a trial it is the activity since sign-up.
with

snapshots as (
    select snapshot_date, user_id, period_start, snapshot_date + interval 1 day as cutoff
    from churn_snapshots
),

bounds as (
    select min(cutoff) - interval 90 day as first_needed, max(cutoff) as last_needed
    from snapshots
),

days as (
    -- Views and app events per user and day over the 90 days the windows can reach.
    select user_id, event_day, count(*) as events
    from (
        select viewing.user_id, viewing.started_at::date as event_day
        from raw.viewing as viewing, bounds
        where viewing.started_at >= bounds.first_needed
            and viewing.started_at < bounds.last_needed
        union all
        select app.user_id, app.event_time::date as event_day
        from raw.app_events as app, bounds
        where app.event_time >= bounds.first_needed and app.event_time < bounds.last_needed
    )
    group by all
),

recent as (
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        date_diff('day', events.event_day, snapshots.snapshot_date) as days_ago,
        events.event_day >= snapshots.period_start as in_period,
        events.events
    from snapshots
    join days as events
        on events.user_id = snapshots.user_id
        and events.event_day <= snapshots.snapshot_date
        and events.event_day > snapshots.snapshot_date - 90
),

counts as (
    select
        snapshot_date,
        user_id,
        sum(events) filter (where days_ago < 7) as activity_7d,
        sum(events) filter (where days_ago < 30) as activity_30d,
        sum(events) as activity_90d,
        sum(events * days_ago) filter (where days_ago < 30)
            / sum(events) filter (where days_ago < 30) as activity_age_30d,
        sum(events * days_ago) / sum(events) as activity_age_90d,
        sum(events) filter (where in_period) as activity_period
    from recent
    group by all
),

covered as (
    -- Days of [t - 89, t] and [t - 29, t] that a successful payment made by t covers.
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        sum(greatest(0, date_diff(
            'day',
            greatest(billing.period_start, snapshots.snapshot_date - 89),
            least(billing.period_end, snapshots.snapshot_date + 1)
        ))) as subscribed_days_90d,
        sum(greatest(0, date_diff(
            'day',
            greatest(billing.period_start, snapshots.snapshot_date - 29),
            least(billing.period_end, snapshots.snapshot_date + 1)
        ))) as subscribed_days_30d,
        sum(greatest(0, date_diff(
            'day', billing.period_start, least(billing.period_end, snapshots.snapshot_date + 1)
        ))) as subscribed_days_total
    from snapshots
    join raw.billing as billing
        on billing.user_id = snapshots.user_id
        and billing.status = 'success'
        and billing.paid_at < snapshots.cutoff
    group by all
),

final as (
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        coalesce(counts.activity_7d, 0) as activity_7d,
        coalesce(counts.activity_30d, 0) as activity_30d,
        coalesce(counts.activity_90d, 0) as activity_90d,
        counts.activity_age_30d,
        counts.activity_age_90d,
        least(covered.subscribed_days_30d, 30) as subscribed_days_30d,
        least(covered.subscribed_days_90d, 90) as subscribed_days_90d,
        coalesce(counts.activity_30d, 0) / greatest(least(covered.subscribed_days_30d, 30), 1)
            as activity_rate_30d,
        coalesce(counts.activity_90d, 0) / greatest(least(covered.subscribed_days_90d, 90), 1)
            as activity_rate_90d,
        covered.subscribed_days_total,
        coalesce(counts.activity_period, 0) as activity_period,
        -- Days of the current period so far, the snapshot day included.
        coalesce(counts.activity_period, 0)
            / greatest(date_diff('day', snapshots.period_start, snapshots.snapshot_date) + 1, 1)
            as activity_period_rate
    from snapshots
    left join counts using (snapshot_date, user_id)
    left join covered using (snapshot_date, user_id)
)

select * from final

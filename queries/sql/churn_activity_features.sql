-- Activity-churn features of every row of churn_activity_snapshots, from events before the
-- end of the snapshot day t: recency, frequency and monetary value over 7, 30 and 90 days
-- and in total, gaps between active days, and 30-day trends against the 30 days before.
with

snapshots as (
    select snapshot_date, user_id from churn_activity_snapshots
),

daily as (
    -- One row per user and active day; the gap looks back to the previous active day only.
    select
        user_id,
        event_day,
        events,
        amount,
        date_diff(
            'day', lag(event_day) over (partition by user_id order by event_day), event_day
        ) as gap_days
    from (
        select user_id, event_time::date as event_day, count(*) as events, sum(amount) as amount
        from churn_activity_events
        where event_time < (select max(snapshot_date) + interval 1 day from snapshots)
        group by all
    )
),

history as (
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        date_diff('day', daily.event_day, snapshots.snapshot_date) as days_ago,
        daily.events,
        daily.amount,
        daily.gap_days
    from snapshots
    join daily on daily.user_id = snapshots.user_id and daily.event_day <= snapshots.snapshot_date
),

summary as (
    select
        snapshot_date,
        user_id,
        min(days_ago) as recency_days,
        max(days_ago) as tenure_days,
        coalesce(sum(events) filter (where days_ago < 7), 0) as events_7d,
        coalesce(sum(events) filter (where days_ago < 30), 0) as events_30d,
        coalesce(sum(events) filter (where days_ago between 30 and 59), 0) as events_prev_30d,
        coalesce(sum(events) filter (where days_ago < 90), 0) as events_90d,
        sum(events) as events_total,
        count(*) filter (where days_ago < 30) as active_days_30d,
        coalesce(sum(amount) filter (where days_ago < 30), 0) as amount_30d,
        coalesce(sum(amount) filter (where days_ago between 30 and 59), 0) as amount_prev_30d,
        coalesce(sum(amount) filter (where days_ago < 90), 0) as amount_90d,
        coalesce(sum(amount), 0) as amount_total,
        avg(gap_days) as mean_gap_days,
        stddev_samp(gap_days) as std_gap_days,
        max(gap_days) as max_gap_days,
        arg_min(gap_days, days_ago) as last_gap_days
    from history
    group by all
),

final as (
    select
        snapshot_date,
        user_id,
        recency_days,
        tenure_days,
        events_7d,
        events_30d,
        events_90d,
        events_total,
        active_days_30d,
        amount_30d,
        amount_90d,
        amount_total,
        amount_total / events_total as avg_amount,
        mean_gap_days,
        std_gap_days,
        max_gap_days,
        last_gap_days,
        recency_days / nullif(mean_gap_days, 0) as recency_vs_gap,
        case when events_prev_30d > 0
            then 100 * (events_30d - events_prev_30d) / events_prev_30d
        end as events_change_30d_pct,
        case when amount_prev_30d > 0
            then 100 * (amount_30d - amount_prev_30d) / amount_prev_30d
        end as amount_change_30d_pct,
        month(snapshot_date)::integer as snapshot_month,
        isodow(snapshot_date)::integer as snapshot_weekday
    from summary
)

select * from final

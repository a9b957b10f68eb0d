-- churn_activity_snapshots (temporary): one row per snapshot date t in $snapshot_dates and
-- user with at least one event in the $lookback days up to the end of t, i.e. not churned
-- yet by the same definition the label uses. Cohort: activity.
create or replace temp table churn_activity_snapshots as
with

snapshot_dates as (
    select distinct unnest($snapshot_dates::date[]) as snapshot_date
),

final as (
    select distinct
        snapshot_dates.snapshot_date,
        events.user_id,
        'activity' as cohort
    from snapshot_dates
    join churn_activity_events as events
        on events.event_time < snapshot_dates.snapshot_date + interval 1 day
        and events.event_time >= snapshot_dates.snapshot_date + interval 1 day
            - to_days($lookback::integer)
)

select * from final

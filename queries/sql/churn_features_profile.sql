-- Profile and calendar features of every row of churn_snapshots: region, registration
-- platform and account age; the month of t, the weekday the current period ends on, and
-- public holidays (Russian fixed-date ones) in the next 30 days and around the period end.
with

snapshots as (
    select snapshot_date, user_id, period_end, snapshot_date + interval 1 day as cutoff
    from churn_snapshots
),

users as (
    select user_id, registered_at, platform, region from raw.users
),

holiday_days as (
    -- New Year and Christmas holidays, Defender's Day, Women's Day, Spring and Labour Day,
    -- Victory Day, Russia Day, Unity Day.
    select * from (values
        (1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8),
        (2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4), (12, 31)
    ) as holidays (month_number, day_number)
),

next_days as (
    select snapshot_date, snapshot_date + unnest(range(1, 31))::integer as day
    from (select distinct snapshot_date from snapshots)
),

ahead as (
    select next_days.snapshot_date, count(*) as holidays_next_30d
    from next_days
    join holiday_days
        on holiday_days.month_number = month(next_days.day)
        and holiday_days.day_number = day(next_days.day)
    group by all
),

period_end_days as (
    select period_end, period_end + unnest(range(-3, 4))::integer as day
    from (select distinct period_end from snapshots)
),

near_holiday as (
    select distinct period_end_days.period_end
    from period_end_days
    join holiday_days
        on holiday_days.month_number = month(period_end_days.day)
        and holiday_days.day_number = day(period_end_days.day)
),

final as (
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        coalesce(users.region, 'unknown') as region,
        coalesce(users.platform, 'unknown') as signup_platform,
        case when users.registered_at < snapshots.cutoff
            then date_diff('day', users.registered_at::date, snapshots.snapshot_date)
        end as account_age_days,
        month(snapshots.snapshot_date)::integer as snapshot_month,
        isodow(snapshots.period_end)::integer as period_end_weekday,
        coalesce(ahead.holidays_next_30d, 0) as holidays_next_30d,
        (near_holiday.period_end is not null)::integer as period_end_near_holiday
    from snapshots
    left join users on users.user_id = snapshots.user_id
    left join ahead on ahead.snapshot_date = snapshots.snapshot_date
    left join near_holiday on near_holiday.period_end = snapshots.period_end
)

select * from final

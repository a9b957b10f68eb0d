-- churn_snapshots (temporary): one row per snapshot date t in $snapshot_dates and user
-- with an active subscription at t, i.e. a successful payment known by the end of day t
-- whose period [period_start, period_end) covers t. The cohort is the covering period's:
-- trial or paid. Only payments made by the end of t decide who is in the population, so
-- scoring a date sees exactly what a daily job run that night would have seen.
create or replace temp table churn_snapshots as
with

snapshot_dates as (
    select distinct unnest($snapshot_dates::date[]) as snapshot_date
),

payments as (
    select user_id, payment_id, paid_at, period_start, period_end, amount, plan, is_trial
    from raw.billing
    where status = 'success' and period_end > period_start
),

covering as (
    select
        snapshot_dates.snapshot_date,
        payments.*,
        -- Overlapping payments can both cover t; the latest one decides the plan.
        row_number() over (
            partition by snapshot_dates.snapshot_date, payments.user_id
            order by payments.period_start desc, payments.paid_at desc, payments.payment_id desc
        ) as rank
    from snapshot_dates
    join payments
        on payments.period_start <= snapshot_dates.snapshot_date
        and payments.period_end > snapshot_dates.snapshot_date
        and payments.paid_at < snapshot_dates.snapshot_date + interval 1 day
),

final as (
    select
        snapshot_date,
        user_id,
        case when is_trial then 'trial' else 'paid' end as cohort,
        payment_id as covering_payment_id,
        period_start,
        period_end,
        plan,
        amount::double as amount,
        is_trial
    from covering
    where rank = 1
)

select * from final

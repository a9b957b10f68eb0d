-- Billing features of every row of churn_snapshots, from payments made by the end of the
-- snapshot day t only: tenure, payments, plan and price, how far ahead the subscription is
-- paid, failed payments, and past lapses with how quickly the user came back.
with

snapshots as (
    select snapshot_date, user_id, period_start, period_end, plan, amount, is_trial
    from churn_snapshots
),

known as (
    select
        snapshots.snapshot_date,
        billing.user_id,
        billing.payment_id,
        billing.paid_at,
        billing.period_start,
        billing.period_end,
        billing.amount::double as amount,
        billing.is_trial,
        billing.status
    from snapshots
    join raw.billing as billing
        on billing.user_id = snapshots.user_id
        and billing.paid_at < snapshots.snapshot_date + interval 1 day
),

successful as (
    select
        *,
        max(period_end) over (
            partition by snapshot_date, user_id order by period_start, period_end, payment_id
            rows between unbounded preceding and 1 preceding
        ) as covered_until
    from known
    where status = 'success' and period_end > period_start
),

gaps as (
    select
        *,
        case when covered_until is not null and period_start > covered_until
            then date_diff('day', covered_until, period_start) end as gap_days,
        sum(case when covered_until is null or period_start > covered_until then 1 else 0 end)
            over (
                partition by snapshot_date, user_id order by period_start, period_end, payment_id
                rows between unbounded preceding and current row
            ) as run_number
    from successful
),

current_run as (
    -- The unbroken run of paid periods that contains t: how far ahead it is paid.
    select gaps.snapshot_date, gaps.user_id, max(gaps.period_end) as covered_through
    from gaps
    join (
        select snapshot_date, user_id, run_number
        from gaps
        where period_start <= snapshot_date and period_end > snapshot_date
    ) as containing using (snapshot_date, user_id, run_number)
    group by all
),

paid_summary as (
    select
        snapshot_date,
        user_id,
        count(*) as payments,
        count(*) filter (where not is_trial) as paid_periods,
        sum(amount) as total_paid,
        min(period_start) as first_period_start,
        bool_or(is_trial) as had_trial,
        max(amount) filter (where not is_trial) as max_price,
        count(*) filter (where gap_days > $grace::integer) as past_lapses,
        count(*) filter (where gap_days between 1 and $grace::integer) as past_grace_returns,
        max(period_start) filter (where gap_days > $grace::integer) as last_return_date
    from gaps
    group by all
),

attempts as (
    select
        snapshot_date,
        user_id,
        count(*) filter (where status = 'failed') as failed_payments,
        count(*) filter (
            where status = 'failed' and paid_at >= snapshot_date - interval 29 day
        ) as failed_payments_30d,
        count(*) filter (where status = 'refunded') as refunds
    from known
    group by all
),

final as (
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        date_diff('day', paid_summary.first_period_start, snapshots.snapshot_date)
            as tenure_days,
        paid_summary.payments,
        paid_summary.paid_periods,
        paid_summary.total_paid,
        paid_summary.had_trial::integer as had_trial,
        snapshots.plan,
        snapshots.amount as price,
        snapshots.amount - coalesce(paid_summary.max_price, snapshots.amount) as price_change,
        date_diff('day', snapshots.period_start, snapshots.period_end) as period_days,
        date_diff('day', snapshots.snapshot_date, snapshots.period_end) as days_to_period_end,
        date_diff('day', snapshots.snapshot_date, current_run.covered_through)
            as days_paid_ahead,
        coalesce(attempts.failed_payments, 0) as failed_payments,
        coalesce(attempts.failed_payments_30d, 0) as failed_payments_30d,
        coalesce(attempts.refunds, 0) as refunds,
        -- Declined attempts per paid renewal: how often this card fails.
        coalesce(attempts.failed_payments, 0) / greatest(paid_summary.paid_periods, 1)
            as failed_share,
        paid_summary.past_lapses,
        paid_summary.past_grace_returns,
        date_diff('day', paid_summary.last_return_date, snapshots.snapshot_date)
            as days_since_return
    from snapshots
    left join paid_summary using (snapshot_date, user_id)
    left join current_run using (snapshot_date, user_id)
    left join attempts using (snapshot_date, user_id)
)

select * from final

-- Churn label of every row of churn_snapshots. A subscription lapses at the end of a run
-- of successful periods that no payment continues; the user churned when that lapse falls
-- in (t, t + $horizon] and no successful payment starts (period_start, or paid_at when
-- earlier) within $grace days after it. Periods joined by such a quick return count as one
-- run, so the run's end is the first lapse without a return. Labels read the future on
-- purpose; a row is mature (usable) once t + $horizon + $grace <= $as_of.
with

payments as (
    select
        user_id,
        payment_id,
        period_end,
        least(period_start, paid_at::date) as effective_start
    from raw.billing
    where status = 'success' and period_end > period_start
),

ordered as (
    select
        *,
        max(period_end) over (
            partition by user_id order by effective_start, period_end, payment_id
            rows between unbounded preceding and 1 preceding
        ) as covered_until
    from payments
),

runs as (
    select
        *,
        sum(
            case when covered_until is null
                or effective_start > covered_until + $grace::integer then 1 else 0 end
        ) over (
            partition by user_id order by effective_start, period_end, payment_id
            rows between unbounded preceding and current row
        ) as run_number
    from ordered
),

run_ends as (
    select
        user_id,
        payment_id,
        max(period_end) over (partition by user_id, run_number) as lapse_date
    from runs
),

final as (
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        snapshots.cohort,
        run_ends.lapse_date,
        (run_ends.lapse_date <= snapshots.snapshot_date + $horizon::integer)::integer
            as label,
        snapshots.snapshot_date + ($horizon + $grace)::integer <= $as_of::date
            as matured
    from churn_snapshots as snapshots
    join run_ends on run_ends.payment_id = snapshots.covering_payment_id
)

select * from final

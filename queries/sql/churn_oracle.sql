-- Demo data only: the generator's true churn probability of the period that covers each
-- snapshot row. Read in evaluation to measure the gap to the best possible model; never a
-- feature. Rows without an oracle entry get NULL.
with

snapshots as (
    select snapshot_date, user_id, period_start, period_end from churn_snapshots
),

oracle as (
    select user_id, period_start, period_end, max(p_churn) as p_churn
    from ops.oracle_churn
    group by all
),

final as (
    select snapshots.snapshot_date, snapshots.user_id, oracle.p_churn
    from snapshots
    left join oracle
        on oracle.user_id = snapshots.user_id
        and oracle.period_start = snapshots.period_start
        and oracle.period_end = snapshots.period_end
)

select * from final

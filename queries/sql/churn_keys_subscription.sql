-- churn_keys (temporary view): the (snapshot_date, user_id) rows that shared feature
-- queries read, here those of the subscription snapshots.
create or replace temp view churn_keys as
with

final as (
    select snapshot_date, user_id from churn_snapshots
)

select * from final

-- The rows of churn_snapshots with their cohort: the spine the feature queries join onto.
with

final as (
    select snapshot_date, user_id, cohort from churn_snapshots
)

select * from final

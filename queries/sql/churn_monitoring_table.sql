-- The monitoring table, newest score dates first.
with

final as (
    select * from marts.churn_monitoring order by score_date desc, cohort
)

select * from final

-- How many snapshot rows churn_keys holds (after a snapshot build).
with

final as (
    select count(*) as rows from churn_keys
)

select * from final

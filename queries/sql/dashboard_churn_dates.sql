-- Score dates of the churn vitrine, newest first.
with

dates as (
    select score_date, count(*) as users from marts.churn_scores group by score_date
),

final as (
    select * from dates
)

select * from final order by score_date desc

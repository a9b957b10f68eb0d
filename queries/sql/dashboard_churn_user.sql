-- One user's churn score and factors over every score date.
with

scores as (
    select * from marts.churn_scores where user_id = $user_id
),

final as (
    select * from scores
)

select * from final order by score_date desc

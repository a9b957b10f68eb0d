-- Recommended channel and offer per risk band, on one date.
with

scores as (
    select risk_band, recommended_channel, recommended_offer
    from marts.churn_scores
    where score_date = $score_date
),

final as (
    select risk_band, recommended_channel, recommended_offer, count(*) as users
    from scores
    group by all
)

select * from final order by risk_band, users desc

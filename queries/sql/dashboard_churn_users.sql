-- Users of one date, riskiest first, optionally of one band and cohort.
with

scores as (
    select user_id, cohort, risk_band, round(churn_probability, 4) as churn_probability,
        factor_1_text, recommended_channel, recommended_offer
    from marts.churn_scores
    where score_date = $score_date
        and ($risk_band is null or risk_band = $risk_band)
        and ($cohort is null or cohort = $cohort)
),

final as (
    select * from scores
)

select * from final order by churn_probability desc, user_id limit 500

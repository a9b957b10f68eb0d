-- Users per cohort and risk band on one score date.
with

scores as (
    select cohort, risk_band, churn_probability from marts.churn_scores where score_date = $score_date
),

final as (
    select cohort, risk_band, count(*) as users, avg(churn_probability) as mean_probability
    from scores
    group by all
)

select * from final order by cohort, risk_band

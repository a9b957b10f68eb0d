-- The churn factors named most often among the top three of each user, on one date.
with

scores as (
    select * from marts.churn_scores where score_date = $score_date
),

factors as (
    select cohort, factor_1 as factor, factor_1_shap as shap from scores
    union all select cohort, factor_2, factor_2_shap from scores
    union all select cohort, factor_3, factor_3_shap from scores
),

final as (
    select cohort, factor, count(*) as users, avg(shap) as mean_shap
    from factors
    where factor is not null
    group by all
)

select * from final order by users desc

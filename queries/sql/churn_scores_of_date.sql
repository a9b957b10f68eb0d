-- The vitrine of one score date, in a stable order: what the marketing platform receives.
with

final as (
    select
        score_date, user_id, cohort, churn_probability, risk_band,
        factor_1, factor_1_shap, factor_1_text,
        factor_2, factor_2_shap, factor_2_text,
        factor_3, factor_3_shap, factor_3_text,
        recommended_channel, recommended_offer, run_id, scored_at
    from marts.churn_scores
    where score_date = $score_date
    order by cohort, churn_probability desc, user_id
)

select * from final

-- Append freshly scored rows (registered by the caller as churn_new_scores) to the vitrine.
insert into marts.churn_scores
with

final as (
    select
        score_date, user_id, cohort, churn_probability, risk_band,
        factor_1, factor_1_shap, factor_1_text,
        factor_2, factor_2_shap, factor_2_text,
        factor_3, factor_3_shap, factor_3_text,
        recommended_channel, recommended_offer, run_id, scored_at
    from churn_new_scores
)

select * from final

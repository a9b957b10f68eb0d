-- Vitrine scores of some score dates and one cohort: what monitoring judges.
with

final as (
    select score_date, user_id, cohort, churn_probability, run_id
    from marts.churn_scores
    where list_contains($score_dates::date[], score_date) and cohort = $cohort
)

select * from final

-- Every scored (date, cohort, run) of the vitrine with when it was last written, and when
-- its monitoring row was computed (NULL when it has none yet): monitoring recomputes the
-- matured ones that are new or were re-scored since.
with

scored as (
    select score_date, cohort, run_id, count(*) as rows, max(scored_at) as last_scored_at
    from marts.churn_scores
    group by all
),

monitored as (
    select score_date, cohort, run_id, max(computed_at) as computed_at
    from marts.churn_monitoring
    group by all
),

final as (
    select scored.*, monitored.computed_at
    from scored
    left join monitored using (score_date, cohort, run_id)
    order by scored.score_date, scored.cohort
)

select * from final

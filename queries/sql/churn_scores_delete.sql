-- Remove the vitrine rows of one score date for the cohorts about to be re-scored; runs in
-- the same transaction as churn_scores_insert, so a failed re-score keeps the old rows.
delete from marts.churn_scores
where score_date = $score_date and list_contains($cohorts::varchar[], cohort)

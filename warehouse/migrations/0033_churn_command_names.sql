-- The command line reads `portrait <verb> <kind>`: the churn marts name the commands that
-- write them by their new spellings.
comment on table marts.churn_scores is 'Churn vitrine, refreshed daily by `portrait score churn`: for each score date and subscriber active on it, the probability of churning within 30 days (2 days grace), why, and what to do. Re-scoring a date replaces its rows in one transaction.';
comment on table marts.churn_monitoring is 'Quality of the churn vitrine once its labels have matured (score_date + horizon + grace <= the data''s last date): one row per score date, cohort and model run. Written by `portrait monitor churn`, which exits non-zero when the latest row of a cohort is red.';

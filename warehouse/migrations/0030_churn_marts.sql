-- The churn vitrine and its quality monitoring (modeling/churn, `portrait churn ...`).
create table marts.churn_scores (
    score_date date not null,
    user_id bigint not null,
    cohort varchar not null,
    churn_probability double not null,
    risk_band varchar not null,
    factor_1 varchar,
    factor_1_shap double,
    factor_1_text varchar,
    factor_2 varchar,
    factor_2_shap double,
    factor_2_text varchar,
    factor_3 varchar,
    factor_3_shap double,
    factor_3_text varchar,
    recommended_channel varchar,
    recommended_offer varchar,
    run_id varchar not null,
    scored_at timestamp not null
);
comment on table marts.churn_scores is 'Churn vitrine, refreshed daily by `portrait churn score`: for each score date and subscriber active on it, the probability of churning within 30 days (2 days grace), why, and what to do. Re-scoring a date replaces its rows in one transaction.';
comment on column marts.churn_scores.score_date is 'Date the scores are as of: features use data up to the end of this day only.';
comment on column marts.churn_scores.user_id is 'Subscriber (raw.users.user_id), or the user column of the activity table for cohort activity.';
comment on column marts.churn_scores.cohort is 'trial (the period covering score_date is a trial), paid, or activity (event-based churn for businesses without subscriptions).';
comment on column marts.churn_scores.churn_probability is 'Probability that the subscription lapses within 30 days after score_date and is not paid again within 2 days (activity: no event within horizon + grace).';
comment on column marts.churn_scores.risk_band is 'low (probability < 0.25), medium (0.25 to < 0.5) or high (>= 0.5).';
comment on column marts.churn_scores.factor_1 is 'Feature that raises this user''s risk most (largest positive SHAP value); NULL when no feature raises it.';
comment on column marts.churn_scores.factor_1_shap is 'SHAP value of factor_1: its contribution to the log-odds of churn.';
comment on column marts.churn_scores.factor_1_text is 'factor_1 and its value in plain words, e.g. "watch time over the last 14 days fell 80 %".';
comment on column marts.churn_scores.factor_2 is 'Feature with the second largest positive SHAP value; NULL when fewer features raise the risk.';
comment on column marts.churn_scores.factor_2_shap is 'SHAP value of factor_2 (log-odds).';
comment on column marts.churn_scores.factor_2_text is 'factor_2 and its value in plain words.';
comment on column marts.churn_scores.factor_3 is 'Feature with the third largest positive SHAP value; NULL when fewer features raise the risk.';
comment on column marts.churn_scores.factor_3_shap is 'SHAP value of factor_3 (log-odds).';
comment on column marts.churn_scores.factor_3_text is 'factor_3 and its value in plain words.';
comment on column marts.churn_scores.recommended_channel is 'Channel this user responds to best in the communications history up to score_date (email, push or sms; clicks count twice an open); for a user with no history, the best-responding channel among everyone scored that day; NULL when nobody has any.';
comment on column marts.churn_scores.recommended_offer is 'Retention offer chosen from the cohort, risk band and the kind of the main factor (modeling/churn/explain_words.py); none for low risk.';
comment on column marts.churn_scores.run_id is 'Model run that produced the score (ml.model_runs.run_id).';
comment on column marts.churn_scores.scored_at is 'When the row was written.';

create table marts.churn_monitoring (
    score_date date not null,
    cohort varchar not null,
    run_id varchar not null,
    rows bigint not null,
    positives bigint not null,
    roc_auc double,
    pr_auc double,
    brier double,
    calibration_error double,
    psi_score double,
    psi_features json,
    status varchar not null,
    reasons varchar,
    computed_at timestamp not null
);
comment on table marts.churn_monitoring is 'Quality of the churn vitrine once its labels have matured (score_date + horizon + grace <= the data''s last date): one row per score date, cohort and model run. Written by `portrait churn monitor`, which exits non-zero when the latest row of a cohort is red.';
comment on column marts.churn_monitoring.score_date is 'Score date of marts.churn_scores being judged.';
comment on column marts.churn_monitoring.cohort is 'trial, paid or activity.';
comment on column marts.churn_monitoring.run_id is 'Model run whose scores are judged (ml.model_runs.run_id).';
comment on column marts.churn_monitoring.rows is 'Scored users whose outcome is known.';
comment on column marts.churn_monitoring.positives is 'Of them, users who did churn.';
comment on column marts.churn_monitoring.roc_auc is 'ROC-AUC of churn_probability against the matured labels; NULL when only one class occurred.';
comment on column marts.churn_monitoring.pr_auc is 'Average precision (PR-AUC) of churn_probability; NULL when only one class occurred.';
comment on column marts.churn_monitoring.brier is 'Brier score: mean squared error of churn_probability.';
comment on column marts.churn_monitoring.calibration_error is 'Expected calibration error over 10 equal-width probability bins.';
comment on column marts.churn_monitoring.psi_score is 'Population stability index of churn_probability on this date against the validation scores of the training run (10 quantile bins).';
comment on column marts.churn_monitoring.psi_features is 'JSON object feature -> PSI against training, for the model''s most important features.';
comment on column marts.churn_monitoring.status is 'red when roc_auc < 0.70 or any PSI > 0.2, else green.';
comment on column marts.churn_monitoring.reasons is 'Why the status is what it is, in words; NULL when all is well.';
comment on column marts.churn_monitoring.computed_at is 'When the row was computed.';

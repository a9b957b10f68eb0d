-- Replace the monitoring rows of the (score_date, cohort) pairs just computed (registered
-- by the caller as churn_new_monitoring); the caller runs this and the insert in one
-- transaction.
delete from marts.churn_monitoring
where (score_date, cohort) in (select score_date, cohort from churn_new_monitoring)

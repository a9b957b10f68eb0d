-- Append freshly computed monitoring rows (registered by the caller as churn_new_monitoring).
insert into marts.churn_monitoring
with

final as (
    select
        score_date, cohort, run_id, rows, positives, roc_auc, pr_auc, brier,
        calibration_error, psi_score, psi_features::json as psi_features, status, reasons,
        computed_at
    from churn_new_monitoring
)

select * from final

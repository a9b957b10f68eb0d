-- Churn model monitoring over time: AUC against the floor, PSI, status.
with

monitoring as (
    select score_date, cohort, run_id, rows, positives, roc_auc, pr_auc, brier,
        calibration_error, psi_score, status, reasons
    from marts.churn_monitoring
),

final as (
    select * from monitoring
)

select * from final order by score_date, cohort

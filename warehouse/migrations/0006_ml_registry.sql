-- Model registry: every trained model, its metrics, curves and SHAP sample.
create table ml.model_runs (
    run_id varchar not null,
    kind varchar not null,
    target varchar not null,
    created_at timestamp not null,
    params json not null,
    features json not null,
    metrics json not null,
    data_fingerprint varchar not null,
    library_versions json not null,
    status varchar not null,
    artifact blob,
    artifact_sha256 varchar,
    notes varchar
);
comment on table ml.model_runs is 'One row per trained model: what it was trained on and with, how well it did, and the model itself.';
comment on column ml.model_runs.run_id is 'Identifier of the run; load it with modeling.registry.load_model(run_id).';
comment on column ml.model_runs.kind is 'Model kind: segment, clusters, churn_trial, churn_paid, churn_activity, table.';
comment on column ml.model_runs.target is 'What the model predicts, e.g. segment or raw.my_table.label.';
comment on column ml.model_runs.created_at is 'When the run finished.';
comment on column ml.model_runs.params is 'Hyper-parameters and training options (JSON).';
comment on column ml.model_runs.features is 'Feature names in the order the model takes them, and features left out with why (JSON).';
comment on column ml.model_runs.metrics is 'Holdout metrics (JSON): roc_auc for binary; roc_auc_macro and roc_auc_by_class for multiclass; then the rest.';
comment on column ml.model_runs.data_fingerprint is 'Hash of the training data (row count, columns and content sample) to tell what a model saw.';
comment on column ml.model_runs.library_versions is 'Versions of python, catboost, scikit-learn and friends at training time (JSON).';
comment on column ml.model_runs.status is 'succeeded, or failed with the reason in notes.';
comment on column ml.model_runs.artifact is 'The fitted model, serialised by the registry; only modeling.registry loads it.';
comment on column ml.model_runs.artifact_sha256 is 'SHA-256 of artifact, checked before loading.';
comment on column ml.model_runs.notes is 'Free text: what was measured and decided during the run.';

create table ml.curves (
    run_id varchar not null,
    curve varchar not null,
    class_label varchar not null,
    point integer not null,
    x double not null,
    y double not null,
    threshold double
);
comment on table ml.curves is 'Evaluation curves per run and class: roc (fpr, tpr), pr (recall, precision), lift (share targeted, lift), gain (share targeted, share captured), calibration (mean predicted, observed rate).';
comment on column ml.curves.run_id is 'Run (ml.model_runs.run_id).';
comment on column ml.curves.curve is 'roc, pr, lift, gain or calibration.';
comment on column ml.curves.class_label is 'Class the curve is for (one-vs-rest), or all.';
comment on column ml.curves.point is 'Order of the point along the curve.';
comment on column ml.curves.x is 'x coordinate (see the table comment for its meaning per curve).';
comment on column ml.curves.y is 'y coordinate.';
comment on column ml.curves.threshold is 'Score threshold at this point, where it applies.';

create table ml.shap (
    run_id varchar not null,
    row_id bigint not null,
    class_label varchar not null,
    feature varchar not null,
    feature_value varchar,
    shap_value double not null
);
comment on table ml.shap is 'SHAP values of a stratified sample of rows, long form: one row per run, sample row, class and feature.';
comment on column ml.shap.run_id is 'Run (ml.model_runs.run_id).';
comment on column ml.shap.row_id is 'Identifier of the explained row (event_id, user_id or the table row).';
comment on column ml.shap.class_label is 'Class whose score the value explains.';
comment on column ml.shap.feature is 'Feature name.';
comment on column ml.shap.feature_value is 'Value of the feature for that row, as text.';
comment on column ml.shap.shap_value is 'Contribution of the feature to the raw score (log-odds) of the class.';

create table ml.shap_global (
    run_id varchar not null,
    class_label varchar not null,
    feature varchar not null,
    mean_abs_shap double not null
);
comment on table ml.shap_global is 'Global importance: mean absolute SHAP value per run, class and feature.';
comment on column ml.shap_global.run_id is 'Run (ml.model_runs.run_id).';
comment on column ml.shap_global.class_label is 'Class.';
comment on column ml.shap_global.feature is 'Feature name.';
comment on column ml.shap_global.mean_abs_shap is 'Mean |SHAP| over the explained sample.';

-- Every trainer returns one typed result (modeling/contract.py: TrainResult); the seconds
-- each stage of a run took are part of it, stored beside its metrics.
alter table ml.model_runs add column timings json;
comment on column ml.model_runs.timings is 'Seconds per stage of the run (JSON), e.g. {"fit": 41.2, "shap": 3.1, "total": 60.5}; NULL for runs registered before it was recorded.';
comment on column ml.model_runs.metrics is 'Holdout metrics (JSON), typed per kind (modeling.registry.load_result): roc_auc for binary; roc_auc_macro and roc_auc_by_class for multiclass; oracle_<figure> beside a figure where the demo has an oracle; then the rest.';

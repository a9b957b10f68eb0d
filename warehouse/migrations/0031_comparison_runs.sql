-- Some runs are trained only to be compared with another (the segment model with and
-- without the cluster id). They are registered with status 'comparison', so that the
-- latest model of a kind, which scores and which the dashboard shows, is never one.
comment on column ml.model_runs.status is 'succeeded; comparison for a run trained only to be compared with another, never taken as the latest model of its kind; or failed with the reason in notes.';

-- The fitted state of a cluster run in plain tables, so that every event can be assigned
-- to its nearest centroid in SQL (queries/sql/cluster_assign.sql) without Python.
create table ml.cluster_centroids (
    run_id varchar not null,
    cluster smallint not null,
    feature varchar not null,
    value double not null
);
comment on table ml.cluster_centroids is 'Centroids of a cluster run in the standardised feature space, long form: one row per run, cluster and feature.';
comment on column ml.cluster_centroids.run_id is 'Cluster run (ml.model_runs.run_id, kind clusters).';
comment on column ml.cluster_centroids.cluster is 'Cluster number, 1..k (scikit-learn''s label + 1).';
comment on column ml.cluster_centroids.feature is 'Feature name, e.g. hour_sin or region_log_frequency (see ml.cluster_scaler).';
comment on column ml.cluster_centroids.value is 'Centroid coordinate on the standardised feature, (raw - mean) / scale.';

create table ml.cluster_scaler (
    run_id varchar not null,
    feature varchar not null,
    position smallint not null,
    mean double not null,
    scale double not null
);
comment on table ml.cluster_scaler is 'Standardisation of each feature of a cluster run: z = (raw - mean) / scale; a missing raw value (unknown region) gets z = 0, the training mean.';
comment on column ml.cluster_scaler.run_id is 'Cluster run (ml.model_runs.run_id).';
comment on column ml.cluster_scaler.feature is 'Feature name; the raw value is computed as in modeling/clusters/features.py and queries/sql/cluster_assign.sql.';
comment on column ml.cluster_scaler.position is 'Position of the feature in the model''s input, 0-based.';
comment on column ml.cluster_scaler.mean is 'Mean of the raw feature on the fit sample (missing values ignored).';
comment on column ml.cluster_scaler.scale is 'Standard deviation of the raw feature on the fit sample; 1 for a constant feature.';

create table ml.cluster_region_frequency (
    run_id varchar not null,
    oblast varchar not null,
    events bigint not null,
    log_share double not null
);
comment on table ml.cluster_region_frequency is 'Region frequency encoding of a cluster run: how common each region is among all events when the run was trained.';
comment on column ml.cluster_region_frequency.run_id is 'Cluster run (ml.model_runs.run_id).';
comment on column ml.cluster_region_frequency.oblast is 'Region as in features.ad_events.oblast (unknown for a missing region).';
comment on column ml.cluster_region_frequency.events is 'Events of the region in features.ad_events at training time.';
comment on column ml.cluster_region_frequency.log_share is 'Natural log of the region''s share of all events: the raw region_log_frequency feature. Regions not listed get z = 0.';

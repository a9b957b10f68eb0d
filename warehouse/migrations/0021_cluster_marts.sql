-- What people read about behavioural clusters: assignments, coverage of segments,
-- k selection curves, phik correlations, profiles and a 2D projection. Every table holds
-- several runs side by side; read one with `where run_id = ...`.
create table marts.cluster_assignments (
    event_id bigint not null,
    run_id varchar not null,
    cluster smallint not null
);
comment on table marts.cluster_assignments is 'Nearest centroid of every ad request, computed in SQL from ml.cluster_centroids; by default only the latest cluster run keeps its assignments.';
comment on column marts.cluster_assignments.event_id is 'Ad request (features.ad_events.event_id).';
comment on column marts.cluster_assignments.run_id is 'Cluster run (ml.model_runs.run_id).';
comment on column marts.cluster_assignments.cluster is 'Cluster number, 1..k.';

create table marts.cluster_coverage (
    run_id varchar not null,
    cluster smallint not null,
    segment tinyint not null,
    events bigint not null,
    row_share double,
    column_share double,
    lift double,
    cluster_size bigint not null
);
comment on table marts.cluster_coverage is 'How the segments spread over the clusters: one row per run, cluster and segment (every combination, zero events included). Shares and lift count labeled events only; cluster_size counts all.';
comment on column marts.cluster_coverage.run_id is 'Cluster run (ml.model_runs.run_id).';
comment on column marts.cluster_coverage.cluster is 'Cluster number, 1..k.';
comment on column marts.cluster_coverage.segment is 'Audience segment 1..5.';
comment on column marts.cluster_coverage.events is 'Labeled events of this segment in this cluster.';
comment on column marts.cluster_coverage.row_share is 'Share of the cluster''s labeled events that belong to the segment, 0..1 (row %; sums to 1 per cluster). NULL when the cluster has no labeled events.';
comment on column marts.cluster_coverage.column_share is 'Share of the segment''s labeled events that fall in this cluster, 0..1 (column %; sums to 1 per segment).';
comment on column marts.cluster_coverage.lift is 'row_share divided by the segment''s share of all labeled events: above 1 the cluster is richer in the segment than the audience as a whole.';
comment on column marts.cluster_coverage.cluster_size is 'ALL events assigned to the cluster, labeled and unlabeled (not only the labeled ones the shares use).';

create table marts.cluster_k_selection (
    run_id varchar not null,
    variant varchar not null,
    k smallint not null,
    phik double not null,
    silhouette double
);
comment on table marts.cluster_k_selection is 'The curves k was chosen from: phik between cluster and segment, and silhouette, for each k tried, with and without day of month. The chosen k of each variant is in the run''s metrics (ml.model_runs.metrics).';
comment on column marts.cluster_k_selection.run_id is 'Cluster run (ml.model_runs.run_id) that made the curves.';
comment on column marts.cluster_k_selection.variant is 'without_day_of_month (the default features; the registered model) or with_day_of_month (the export artifact added, for comparison).';
comment on column marts.cluster_k_selection.k is 'Number of clusters tried.';
comment on column marts.cluster_k_selection.phik is 'phik correlation between cluster and segment on the labeled evaluation sample (size in the run''s metrics, phik_sample_rows).';
comment on column marts.cluster_k_selection.silhouette is 'Mean silhouette on a random subsample of the fit sample (size in the run''s metrics, silhouette_sample_rows), standardised features.';

create table marts.cluster_phik (
    run_id varchar not null,
    variable_x varchar not null,
    variable_y varchar not null,
    phik double,
    significance double
);
comment on table marts.cluster_phik is 'phik correlation matrix of cluster, segment and the cluster''s features on the labeled evaluation sample, long form (both orders and the diagonal).';
comment on column marts.cluster_phik.run_id is 'Cluster run (ml.model_runs.run_id).';
comment on column marts.cluster_phik.variable_x is 'First variable: cluster, segment, local_hour, local_weekday, day_of_month, oblast, region_msk_offset, region_population, region_salary_rank or region_log_frequency.';
comment on column marts.cluster_phik.variable_y is 'Second variable.';
comment on column marts.cluster_phik.phik is 'phik correlation, 0..1 (phik.phik_matrix; numeric region and day columns binned into 10 intervals).';
comment on column marts.cluster_phik.significance is 'Statistical significance of the dependence as a Z-score, in standard deviations (phik.significance_matrix, asymptotic method).';

create table marts.cluster_profiles (
    run_id varchar not null,
    cluster smallint not null,
    dimension varchar not null,
    value varchar not null,
    events bigint not null,
    share double not null
);
comment on table marts.cluster_profiles is 'What each cluster looks like: its events by local hour and weekday (all values), and its top regions and app categories.';
comment on column marts.cluster_profiles.run_id is 'Cluster run (ml.model_runs.run_id).';
comment on column marts.cluster_profiles.cluster is 'Cluster number, 1..k.';
comment on column marts.cluster_profiles.dimension is 'local_hour, local_weekday, oblast or gamecategory.';
comment on column marts.cluster_profiles.value is 'Value of the dimension as text (hour 0..23, ISO weekday 1..7, region or category name).';
comment on column marts.cluster_profiles.events is 'Events of the cluster with this value (all assigned events, labeled or not).';
comment on column marts.cluster_profiles.share is 'events divided by all events of the cluster, 0..1; for oblast and gamecategory only the top values are kept, so their shares sum to at most 1.';

create table marts.cluster_projection (
    run_id varchar not null,
    event_id bigint not null,
    x double not null,
    y double not null,
    cluster smallint not null,
    segment tinyint
);
comment on table marts.cluster_projection is 'A random sample of events projected to 2D by PCA of the standardised cluster features, for scatter plots.';
comment on column marts.cluster_projection.run_id is 'Cluster run (ml.model_runs.run_id).';
comment on column marts.cluster_projection.event_id is 'Ad request (features.ad_events.event_id).';
comment on column marts.cluster_projection.x is 'First principal component of the standardised features.';
comment on column marts.cluster_projection.y is 'Second principal component.';
comment on column marts.cluster_projection.cluster is 'Cluster number, 1..k.';
comment on column marts.cluster_projection.segment is 'Segment 1..5, NULL for unlabeled events.';

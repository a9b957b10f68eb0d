-- marts.shap_cube: SHAP values of the explained sample of each segment run, summed by
-- the explorer dimensions, so that the dashboard shows what drives a segment, a cluster
-- or the current cross-filter selection without reading ml.shap row by row.
create or replace table marts.shap_cube as
with

runs as (
    select run_id from ml.model_runs where kind = 'segment'
),

shap as (
    select shap.*
    from ml.shap as shap
    inner join runs on runs.run_id = shap.run_id
),

dims as (
    select * from cube_event_dims
),

final as (
    select
        shap.run_id,
        shap.class_label,
        shap.feature,
        dims.local_hour,
        dims.local_weekday,
        dims.region_group,
        dims.gamecategory,
        dims.bundle_group,
        dims.segment,
        dims.predicted_segment,
        dims.cluster,
        count(*) as rows,
        sum(shap.shap_value) as sum_shap,
        sum(abs(shap.shap_value)) as sum_abs_shap
    from shap
    inner join dims on dims.event_id = shap.row_id
    group by all
)

select * from final;

comment on table marts.shap_cube is 'SHAP values of each segment run''s explained sample, summed by class, feature and the audience explorer dimensions.';
comment on column marts.shap_cube.run_id is 'Segment run (ml.model_runs.run_id).';
comment on column marts.shap_cube.class_label is 'Segment whose score the values explain, 1..5.';
comment on column marts.shap_cube.feature is 'Feature name.';
comment on column marts.shap_cube.local_hour is 'Local hour of day, 0..23.';
comment on column marts.shap_cube.local_weekday is 'Local ISO weekday, 1..7.';
comment on column marts.shap_cube.region_group is 'Region, top 12 or other (as in marts.audience_cube).';
comment on column marts.shap_cube.gamecategory is 'App category, top 12 or other.';
comment on column marts.shap_cube.bundle_group is 'Bundle, top 15 or other.';
comment on column marts.shap_cube.segment is 'Labelled segment or unlabeled.';
comment on column marts.shap_cube.predicted_segment is 'Predicted segment of the newest segment run, or not scored.';
comment on column marts.shap_cube.cluster is 'Cluster of the newest clusters run, or none.';
comment on column marts.shap_cube.rows is 'Explained rows in the group.';
comment on column marts.shap_cube.sum_shap is 'Sum of SHAP values (divide by rows for the mean).';
comment on column marts.shap_cube.sum_abs_shap is 'Sum of absolute SHAP values (divide by rows for mean |SHAP|).';

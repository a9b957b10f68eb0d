-- marts.event_inputs: the exported fields (raw.ad_events) of every event a segment run
-- scored, on the holdout or unlabeled. The serving snapshot carries no raw or feature
-- tables, so this is what lets the dashboard rebuild one event's features with the
-- model's own SQL and explain any row of the predictions table, not only the stored SHAP
-- sample. Sorted by event id, so that looking one event up reads one row group.
create or replace table marts.event_inputs as
with

scored as (
    select event_id from marts.segment_holdout
    union
    select event_id from marts.segment_predictions
),

events as (
    select * exclude (load_id, source_line) from raw.ad_events
),

final as (
    select events.*
    from events
    semi join scored on scored.event_id = events.event_id
)

select * from final
order by event_id;

comment on table marts.event_inputs is 'Exported fields of every scored ad event (holdout or unlabeled, any segment run), as in raw.ad_events; the dashboard rebuilds one event''s features from them to explain it.';
-- Its columns are raw.ad_events' own: dashboard/cubes.py copies their comments from there
-- (warehouse.dictionary.copy_column_comments) rather than restating them.

-- Predictions of the segment model: scored unlabeled events and the labeled holdout.
create table marts.segment_predictions (
    event_id bigint not null,
    run_id varchar not null,
    p_segment_1 float not null,
    p_segment_2 float not null,
    p_segment_3 float not null,
    p_segment_4 float not null,
    p_segment_5 float not null,
    predicted_segment tinyint not null,
    scored_at timestamp not null
);
comment on table marts.segment_predictions is 'Segment probabilities of the unlabeled ad requests (empty Segment), one row per event and scoring run; written by `portrait score segment`. Re-scoring with the same run replaces its rows.';
comment on column marts.segment_predictions.event_id is 'Ad request (raw.ad_events.event_id).';
comment on column marts.segment_predictions.run_id is 'Model run that scored it (ml.model_runs.run_id).';
comment on column marts.segment_predictions.p_segment_1 is 'Probability of segment 1 (women 25-31).';
comment on column marts.segment_predictions.p_segment_2 is 'Probability of segment 2 (men 25-42, beer).';
comment on column marts.segment_predictions.p_segment_3 is 'Probability of segment 3 (women 25-43, children).';
comment on column marts.segment_predictions.p_segment_4 is 'Probability of segment 4 (men and women 18-44, pets).';
comment on column marts.segment_predictions.p_segment_5 is 'Probability of segment 5 (men and women 18-45).';
comment on column marts.segment_predictions.predicted_segment is 'Most probable segment, 1..5.';
comment on column marts.segment_predictions.scored_at is 'When the scoring run wrote the row.';

create table marts.segment_holdout (
    event_id bigint not null,
    run_id varchar not null,
    segment tinyint not null,
    p_segment_1 float not null,
    p_segment_2 float not null,
    p_segment_3 float not null,
    p_segment_4 float not null,
    p_segment_5 float not null,
    predicted_segment tinyint not null
);
comment on table marts.segment_holdout is 'Predictions of a segment run for its labeled holdout events (the latest days): score distributions and confusion matrices at any threshold.';
comment on column marts.segment_holdout.event_id is 'Ad request (raw.ad_events.event_id).';
comment on column marts.segment_holdout.run_id is 'Model run (ml.model_runs.run_id).';
comment on column marts.segment_holdout.segment is 'True segment, 1..5.';
comment on column marts.segment_holdout.p_segment_1 is 'Predicted probability of segment 1.';
comment on column marts.segment_holdout.p_segment_2 is 'Predicted probability of segment 2.';
comment on column marts.segment_holdout.p_segment_3 is 'Predicted probability of segment 3.';
comment on column marts.segment_holdout.p_segment_4 is 'Predicted probability of segment 4.';
comment on column marts.segment_holdout.p_segment_5 is 'Predicted probability of segment 5.';
comment on column marts.segment_holdout.predicted_segment is 'Most probable segment, 1..5.';

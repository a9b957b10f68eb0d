-- Scored rows of one run (holdout with its label, then unlabeled predictions), filtered
-- by predicted segment and minimum top score, best scores first. `explained` marks the
-- rows of the stored SHAP sample; the dashboard explains the others on demand.
with

holdout as (
    select event_id, 'holdout' as source, segment::varchar as segment, predicted_segment,
        p_segment_1, p_segment_2, p_segment_3, p_segment_4, p_segment_5
    from marts.segment_holdout
    where run_id = $run_id
),

unlabeled as (
    select event_id, 'unlabeled' as source, null::varchar as segment, predicted_segment,
        p_segment_1, p_segment_2, p_segment_3, p_segment_4, p_segment_5
    from marts.segment_predictions
    where run_id = $run_id
),

scored as (
    select * from holdout
    union all
    select * from unlabeled
),

explained as (
    select distinct row_id from ml.shap where run_id = $run_id
),

final as (
    select
        scored.event_id,
        scored.source,
        scored.segment,
        scored.predicted_segment,
        round(greatest(p_segment_1, p_segment_2, p_segment_3, p_segment_4, p_segment_5), 4) as top_score,
        explained.row_id is not null as explained,
        round(p_segment_1, 4) as p_segment_1,
        round(p_segment_2, 4) as p_segment_2,
        round(p_segment_3, 4) as p_segment_3,
        round(p_segment_4, 4) as p_segment_4,
        round(p_segment_5, 4) as p_segment_5
    from scored
    left join explained on explained.row_id = scored.event_id
    where ($predicted is null or scored.predicted_segment = $predicted)
        and greatest(p_segment_1, p_segment_2, p_segment_3, p_segment_4, p_segment_5) >= $min_score
        and (not $explained_only or explained.row_id is not null)
)

select * from final order by top_score desc, event_id limit $limit

-- The holdout's labels and predictions (the Arrow table registered as
-- segment_holdout_batch) for run $run_id.
insert into marts.segment_holdout (
    event_id, run_id, segment, p_segment_1, p_segment_2, p_segment_3, p_segment_4,
    p_segment_5, predicted_segment
)
select
    event_id,
    $run_id,
    segment,
    p_segment_1,
    p_segment_2,
    p_segment_3,
    p_segment_4,
    p_segment_5,
    predicted_segment
from segment_holdout_batch

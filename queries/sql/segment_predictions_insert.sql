-- Append a batch of predictions (the Arrow table registered as segment_prediction_batch)
-- to marts.segment_predictions; the run id and scoring time are the same on every row.
insert into marts.segment_predictions
select
    event_id,
    $run_id,
    p_segment_1,
    p_segment_2,
    p_segment_3,
    p_segment_4,
    p_segment_5,
    predicted_segment,
    $scored_at
from segment_prediction_batch

-- One-vs-rest confusion counts on the holdout for one class at a score threshold.
with

holdout as (
    select
        segment = $segment as actual,
        case $segment
            when 1 then p_segment_1
            when 2 then p_segment_2
            when 3 then p_segment_3
            when 4 then p_segment_4
            else p_segment_5
        end as score
    from marts.segment_holdout
    where run_id = $run_id
),

final as (
    select
        count(*) filter (where actual and score >= $threshold) as true_positive,
        count(*) filter (where not actual and score >= $threshold) as false_positive,
        count(*) filter (where actual and score < $threshold) as false_negative,
        count(*) filter (where not actual and score < $threshold) as true_negative
    from holdout
)

select * from final

-- Distribution of one class's score on the holdout, split by whether the row is that class.
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

binned as (
    select least(floor(score * 20), 19) / 20 as bin, actual from holdout
),

final as (
    select bin, case when actual then 'this segment' else 'other segments' end as rows_of,
        count(*) as rows
    from binned
    group by all
)

select * from final order by rows_of, bin

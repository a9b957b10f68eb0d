-- Demo data only: the generator's true segment probabilities for the labeled ad requests
-- from $date_from on (the holdout). Read by the evaluation step, never by a model.
with

holdout as (
    select event_id
    from features.ad_events
    where segment is not null and event_date >= $date_from
),

final as (
    select
        oracle.event_id,
        oracle.p_segment_1,
        oracle.p_segment_2,
        oracle.p_segment_3,
        oracle.p_segment_4,
        oracle.p_segment_5
    from ops.oracle_segment as oracle
    inner join holdout on holdout.event_id = oracle.event_id
)

select * from final

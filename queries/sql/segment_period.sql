-- The time span of the labeled ad requests in the slice [$date_from, $date_to) (either
-- may be null: no bound), where the holdout of its last $holdout_days days begins
-- (Moscow dates), and how many labeled events fall on each side.
with

labeled as (
    select event_date
    from features.ad_events
    where segment is not null
        and ($date_from is null or event_date >= $date_from)
        and ($date_to is null or event_date < $date_to)
),

span as (
    select
        min(event_date) as first_date,
        max(event_date) as last_date,
        max(event_date) - ($holdout_days - 1)::integer as holdout_start,
        count(distinct event_date) as labeled_days
    from labeled
),

final as (
    select
        span.first_date,
        span.last_date,
        span.holdout_start,
        span.labeled_days,
        count(labeled.event_date) as labeled_rows,
        count(labeled.event_date) filter (where labeled.event_date < span.holdout_start) as train_rows,
        count(labeled.event_date) filter (where labeled.event_date >= span.holdout_start) as holdout_rows
    from span
    left join labeled on true
    group by all
)

select * from final

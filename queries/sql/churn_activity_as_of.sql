-- First and last event day of the activity table (through churn_activity_events).
with

final as (
    select min(event_time)::date as first_day, max(event_time)::date as as_of
    from churn_activity_events
)

select * from final

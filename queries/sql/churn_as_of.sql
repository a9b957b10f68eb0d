-- The data's last date (as_of): the latest day any subscription-service table has an event
-- on; labels mature relative to it (a snapshot t is usable once t + horizon + grace <= it).
-- first_day: the first day a successful payment covers; no snapshot before it has anyone.
with

billing as (
    select
        max(paid_at)::date as last_day,
        min(period_start) filter (where status = 'success') as first_day
    from raw.billing
),

viewing as (
    select max(started_at)::date as last_day from raw.viewing
),

app_events as (
    select max(event_time)::date as last_day from raw.app_events
),

communications as (
    select max(sent_at)::date as last_day from raw.communications
),

final as (
    select
        greatest(
            billing.last_day, viewing.last_day, app_events.last_day, communications.last_day
        ) as as_of,
        billing.first_day
    from billing, viewing, app_events, communications
)

select * from final

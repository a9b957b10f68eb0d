-- marts.warehouse_summary: one row saying what the warehouse holds, for the overview.
create or replace table marts.warehouse_summary as
with

ads as (
    select
        count(*) as ad_events,
        count(segment) as labeled_events,
        min(created) as first_event,
        max(created) as last_event,
        count(distinct bundle) as bundles,
        count(distinct oblast) as regions
    from raw.ad_events
),

users as (
    select count(*) as users from raw.users
),

billing as (
    select count(*) as payments, min(period_start) as first_period, max(period_end) as last_period
    from raw.billing
),

viewing as (
    select count(*) as viewing_sessions from raw.viewing
),

final as (
    select ads.*, users.*, billing.*, viewing.*, current_timestamp::timestamp as built_at
    from ads, users, billing, viewing
)

select * from final;

comment on table marts.warehouse_summary is 'What the warehouse holds, one row: ad events, users, payments and their date ranges.';
comment on column marts.warehouse_summary.ad_events is 'Rows of raw.ad_events.';
comment on column marts.warehouse_summary.labeled_events is 'Ad events with a segment label.';
comment on column marts.warehouse_summary.first_event is 'Earliest ad event (Moscow time).';
comment on column marts.warehouse_summary.last_event is 'Latest ad event (Moscow time).';
comment on column marts.warehouse_summary.bundles is 'Distinct app bundles.';
comment on column marts.warehouse_summary.regions is 'Distinct regions of ad events.';
comment on column marts.warehouse_summary.users is 'Rows of raw.users.';
comment on column marts.warehouse_summary.payments is 'Rows of raw.billing.';
comment on column marts.warehouse_summary.first_period is 'Earliest billing period start.';
comment on column marts.warehouse_summary.last_period is 'Latest billing period end.';
comment on column marts.warehouse_summary.viewing_sessions is 'Rows of raw.viewing.';
comment on column marts.warehouse_summary.built_at is 'When this summary was computed.';

-- churn_activity_events (temporary view): any event table seen as (user_id, event_time,
-- amount). The slots in braces are filled by warehouse.sql.with_identifiers with quoted names
-- that modeling/churn/activity.py found in duckdb_columns() for that table (the amount
-- may be the word null); values never pass this way.
create or replace temp view churn_activity_events as
with

source as (
    select * from {table}
),

final as (
    select
        {user_col}::bigint as user_id,
        {time_col}::timestamp as event_time,
        {amount_col}::double as amount
    from source
    where {user_col} is not null and {time_col} is not null
)

select * from final

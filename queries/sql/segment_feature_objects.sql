-- The objects of the features schema and their kind ('table' or 'view'): features.ad_events
-- is a view, and earlier versions left tables (features.ad_events, features.bundles).
with

tables as (
    select table_name as name, 'table' as kind
    from duckdb_tables()
    where database_name = current_database() and schema_name = 'features'
),

views as (
    select view_name as name, 'view' as kind
    from duckdb_views()
    where database_name = current_database() and schema_name = 'features'
),

final as (
    select * from tables
    union all
    select * from views
)

select * from final

-- The reference tables of the snapshot (schema ref), to rebuild features outside the warehouse.
with

tables as (
    select table_name
    from duckdb_tables()
    where database_name = current_database() and schema_name = 'ref'
),

final as (
    select table_name from tables
)

select * from final order by table_name

-- Whether a table exists in the current database (1) or not (0).
with

tables as (
    select schema_name, table_name from duckdb_tables()
    where database_name = current_database() and schema_name = $schema and table_name = $table
),

final as (
    select count(*) > 0 as answer from tables
)

select answer::integer as answer from final

-- Whether a table exists in the current database ({count} may replace the answer with a
-- row count of that table once it is known to exist; schema and table are allow-listed).
with

tables as (
    select schema_name, table_name from duckdb_tables()
    where database_name = current_database() and schema_name = $schema and table_name = $table
),

final as (
    select {count} as answer from tables
)

select coalesce(max(answer), 0) as answer from final

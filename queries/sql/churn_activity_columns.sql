-- Columns of one table with their types: the allow-list that activity-churn column names
-- given on the command line are checked against before they reach any SQL.
with

final as (
    select column_name, data_type
    from duckdb_columns()
    where database_name = current_database()
        and schema_name = $schema_name
        and table_name = $table_name
)

select * from final

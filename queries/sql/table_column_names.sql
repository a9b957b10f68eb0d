-- Column names of one table of the warehouse, in table order: what `select *` yields.
select column_name
from duckdb_columns()
where database_name = current_database()
    and schema_name = $schema_name
    and table_name = $table_name
order by column_index

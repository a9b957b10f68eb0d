-- Every table of the warehouse, by schema and name.
select schema_name, table_name
from duckdb_tables()
order by schema_name, table_name

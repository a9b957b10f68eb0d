-- Rows of one table; the table slot is filled with a quoted schema.table name.
select count(*) as row_count
from {table}

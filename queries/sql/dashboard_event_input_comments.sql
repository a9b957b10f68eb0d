-- The comments of the raw.ad_events columns that marts.event_inputs carries, to be copied
-- onto it: the fields are the contract's, and so is their documentation.
with

contract as (
    select column_name, comment
    from duckdb_columns()
    where database_name = current_database() and schema_name = 'raw'
        and table_name = 'ad_events' and comment is not null
),

carried as (
    select column_name
    from duckdb_columns()
    where database_name = current_database() and schema_name = 'marts'
        and table_name = 'event_inputs'
),

final as (
    select contract.column_name, contract.comment
    from contract
    where contract.column_name in (select column_name from carried)
)

select * from final order by column_name

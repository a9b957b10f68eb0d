-- The rows a scratch warehouse's ingestion rejected, with where and why.
with

rejected as (
    select line_number, column_name, reason, raw_text from ops.quarantine
),

final as (
    select * from rejected
)

select * from final order by line_number, column_name

-- A sample of quarantined rows with their reasons.
with

rows as (
    select load_id, target_table, line_number, column_name, reason, raw_text from ops.quarantine
),

final as (
    select * from rows order by load_id desc, line_number limit 200
)

select * from final

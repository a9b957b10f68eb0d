-- Quarantined rows per target table and reason.
with

summary as (
    select target_table, reason, rows, loads from ops.quarantine_summary
),

final as (
    select * from summary order by rows desc
)

select * from final

-- What the warehouse holds (one row, built by cube_warehouse_summary).
with

summary as (
    select * from marts.warehouse_summary
),

final as (
    select * from summary
)

select * from final

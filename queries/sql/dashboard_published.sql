-- When the serving snapshot was published (newest first).
with

published as (
    select published_at, source_db from ops.published
),

final as (
    select * from published order by published_at desc limit 1
)

select * from final

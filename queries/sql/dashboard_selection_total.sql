-- Events matching every cross-filter ({where}, built by dashboard/filters.py).
with

cube as (
    select * from marts.audience_cube
),

final as (
    select coalesce(sum(events), 0)::bigint as events from cube where {where}
)

select * from final

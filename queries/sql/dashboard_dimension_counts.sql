-- Events per value of one explorer dimension, under the cross-filters of the others.
-- {dimension} is an allow-listed column (dashboard/filters.py); {where} is built there
-- from filter objects, and its values arrive as bound parameters.
with

cube as (
    select * from marts.audience_cube
),

filtered as (
    select {dimension} as value, events from cube where {where}
),

final as (
    select value, sum(events)::bigint as events from filtered group by value
)

select * from final order by value

-- Values and codes of every explorer dimension, in display order.
with

codes as (
    select dimension, code, value, events from marts.audience_values
),

final as (
    select * from codes
)

select * from final order by dimension, code

-- The exported fields of one scored event (marts.event_inputs), to rebuild its features.
with

event as (
    select * from marts.event_inputs where event_id = $event_id
),

final as (
    select * from event
)

select * from final

-- How many ad requests have no segment (the rows `portrait score segment` scores).
with

final as (
    select count(*) as events
    from features.ad_events
    where segment is null
)

select * from final

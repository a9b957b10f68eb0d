-- The audience cube rolled up to the dimensions the HTML report cross-filters in the
-- browser (part of day instead of hour, no bundle or category), small enough to embed.
with

cube as (
    select * from marts.audience_cube
),

final as (
    select
        case
            when local_hour < 6 then 'night'
            when local_hour < 12 then 'morning'
            when local_hour < 18 then 'afternoon'
            else 'evening'
        end as part_of_day,
        local_weekday::varchar as weekday,
        region_group,
        segment,
        predicted_segment,
        cluster,
        sum(events)::bigint as events
    from cube
    group by all
)

select * from final order by events desc

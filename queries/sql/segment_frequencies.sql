-- How common each value of the frequency-encoded columns is among the ad requests before
-- $date_to (the training period), labeled or not: labels are not used, and nothing from the
-- holdout period leaks into the encoding.
with

events as (
    select bundle, city, os_major, gamecategory
    from features.ad_events
    where event_date < $date_to
),

counted as (
    select 'bundle' as feature, coalesce(bundle, '') as value, count(*) as n from events group by all
    union all
    select 'city', city, count(*) from events group by all
    union all
    select 'os_major', os_major, count(*) from events group by all
    union all
    select 'gamecategory', gamecategory, count(*) from events group by all
),

final as (
    select
        feature,
        value,
        n / sum(n) over (partition by feature) as share
    from counted
)

select * from final order by feature, value

-- Top-N values of the high-cardinality dimensions; the rest show as 'other'.
-- 12 regions, 12 app categories and 15 bundles keep the cube small (a few hundred
-- thousand rows at 45 million events) and every chart readable.
create or replace temp table cube_top_values as
with

events as (
    select oblast, gamecategory, bundle from features.ad_events
),

regions as (
    select 'region' as dimension, oblast as value, count(*) as events
    from events group by oblast order by events desc, value limit 12
),

categories as (
    select 'gamecategory' as dimension, gamecategory as value, count(*) as events
    from events group by gamecategory order by events desc, value limit 12
),

bundles as (
    select 'bundle' as dimension, bundle as value, count(*) as events
    from events group by bundle order by events desc, value limit 15
),

final as (
    select * from regions
    union all select * from categories
    union all select * from bundles
)

select * from final;

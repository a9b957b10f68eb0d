-- Assign every ad request to the nearest centroid of cluster run $run_id, in SQL.
-- The run's standardisation and centroids are read from ml.cluster_scaler and
-- ml.cluster_centroids (values never enter the SQL text). Raw features are computed as
-- in modeling/clusters/features.py. A feature the run does not use has no scaler or
-- centroid row: it is 0 on both sides and adds nothing to the distance.
--
-- Events share few distinct feature inputs (hour x weekday x region, x day of month
-- when used), so distances are computed once per distinct input and joined back:
-- tens of thousands of rows x k centroids instead of every event x k. The join back
-- uses hour, weekday, day of month and region name only: the region's offset,
-- population and salary rank come from ref.regions by name, so they follow from it
-- (a key with two different region rows would be ambiguous: its cluster is left NULL,
-- which the NOT NULL column refuses, and modeling.clusters.store.assign_in_sql says why).
insert into marts.cluster_assignments
with

run_scaler as (
    select feature, mean, scale
    from ml.cluster_scaler
    where run_id = $run_id
),

scaler as (
    select
        max(mean) filter (where feature = 'hour_sin') as m_hour_sin,
        max(scale) filter (where feature = 'hour_sin') as s_hour_sin,
        max(mean) filter (where feature = 'hour_cos') as m_hour_cos,
        max(scale) filter (where feature = 'hour_cos') as s_hour_cos,
        max(mean) filter (where feature = 'weekday_sin') as m_weekday_sin,
        max(scale) filter (where feature = 'weekday_sin') as s_weekday_sin,
        max(mean) filter (where feature = 'weekday_cos') as m_weekday_cos,
        max(scale) filter (where feature = 'weekday_cos') as s_weekday_cos,
        max(mean) filter (where feature = 'day_of_month') as m_day_of_month,
        max(scale) filter (where feature = 'day_of_month') as s_day_of_month,
        max(mean) filter (where feature = 'region_msk_offset') as m_region_msk_offset,
        max(scale) filter (where feature = 'region_msk_offset') as s_region_msk_offset,
        max(mean) filter (where feature = 'region_log_population') as m_region_log_population,
        max(scale) filter (where feature = 'region_log_population') as s_region_log_population,
        max(mean) filter (where feature = 'region_salary_rank') as m_region_salary_rank,
        max(scale) filter (where feature = 'region_salary_rank') as s_region_salary_rank,
        max(mean) filter (where feature = 'region_log_frequency') as m_region_log_frequency,
        max(scale) filter (where feature = 'region_log_frequency') as s_region_log_frequency,
        count(*) filter (where feature = 'day_of_month') > 0 as uses_day_of_month
    from run_scaler
),

centroids as (
    select
        cluster,
        coalesce(max(value) filter (where feature = 'hour_sin'), 0) as c_hour_sin,
        coalesce(max(value) filter (where feature = 'hour_cos'), 0) as c_hour_cos,
        coalesce(max(value) filter (where feature = 'weekday_sin'), 0) as c_weekday_sin,
        coalesce(max(value) filter (where feature = 'weekday_cos'), 0) as c_weekday_cos,
        coalesce(max(value) filter (where feature = 'day_of_month'), 0) as c_day_of_month,
        coalesce(max(value) filter (where feature = 'region_msk_offset'), 0) as c_region_msk_offset,
        coalesce(max(value) filter (where feature = 'region_log_population'), 0) as c_region_log_population,
        coalesce(max(value) filter (where feature = 'region_salary_rank'), 0) as c_region_salary_rank,
        coalesce(max(value) filter (where feature = 'region_log_frequency'), 0) as c_region_log_frequency
    from ml.cluster_centroids
    where run_id = $run_id
    group by cluster
),

frequency as (
    select oblast, log_share
    from ml.cluster_region_frequency
    where run_id = $run_id
),

events as (
    select
        events.event_id,
        events.local_hour,
        events.local_weekday,
        -- -1 when unused, so it does not multiply the distinct inputs (and joins with =).
        coalesce(case when scaler.uses_day_of_month then events.day_of_month end, -1)
            as day_of_month,
        events.oblast,
        events.region_msk_offset,
        events.region_population,
        events.region_salary_rank
    from features.ad_events as events
    cross join scaler
),

inputs as (
    select distinct
        local_hour,
        local_weekday,
        day_of_month,
        oblast,
        region_msk_offset,
        region_population,
        region_salary_rank
    from events
),

raw_features as (
    -- Same operation order as the Python side, so both round alike.
    select
        inputs.*,
        sin(local_hour * (2.0 * pi()) / 24.0) as hour_sin,
        cos(local_hour * (2.0 * pi()) / 24.0) as hour_cos,
        sin((local_weekday - 1.0) * (2.0 * pi()) / 7.0) as weekday_sin,
        cos((local_weekday - 1.0) * (2.0 * pi()) / 7.0) as weekday_cos,
        nullif(day_of_month, -1)::double as day_of_month_value,
        region_msk_offset::double as region_msk_offset_value,
        log10(region_population::double) as region_log_population,
        region_salary_rank::double as region_salary_rank_value,
        frequency.log_share as region_log_frequency
    from inputs
    left join frequency on frequency.oblast = inputs.oblast
),

standardised as (
    -- A missing raw value (unknown region) stands at the training mean: z = 0.
    select
        raw_features.local_hour,
        raw_features.local_weekday,
        raw_features.day_of_month,
        raw_features.oblast,
        raw_features.region_msk_offset,
        raw_features.region_population,
        raw_features.region_salary_rank,
        coalesce((hour_sin - m_hour_sin) / s_hour_sin, 0) as z_hour_sin,
        coalesce((hour_cos - m_hour_cos) / s_hour_cos, 0) as z_hour_cos,
        coalesce((weekday_sin - m_weekday_sin) / s_weekday_sin, 0) as z_weekday_sin,
        coalesce((weekday_cos - m_weekday_cos) / s_weekday_cos, 0) as z_weekday_cos,
        coalesce((day_of_month_value - m_day_of_month) / s_day_of_month, 0) as z_day_of_month,
        coalesce((region_msk_offset_value - m_region_msk_offset) / s_region_msk_offset, 0)
            as z_region_msk_offset,
        coalesce((region_log_population - m_region_log_population) / s_region_log_population, 0)
            as z_region_log_population,
        coalesce((region_salary_rank_value - m_region_salary_rank) / s_region_salary_rank, 0)
            as z_region_salary_rank,
        coalesce((region_log_frequency - m_region_log_frequency) / s_region_log_frequency, 0)
            as z_region_log_frequency
    from raw_features
    cross join scaler
),

distances as (
    select
        standardised.local_hour,
        standardised.local_weekday,
        standardised.day_of_month,
        standardised.oblast,
        standardised.region_msk_offset,
        standardised.region_population,
        standardised.region_salary_rank,
        centroids.cluster,
        (z_hour_sin - c_hour_sin) ** 2
        + (z_hour_cos - c_hour_cos) ** 2
        + (z_weekday_sin - c_weekday_sin) ** 2
        + (z_weekday_cos - c_weekday_cos) ** 2
        + (z_day_of_month - c_day_of_month) ** 2
        + (z_region_msk_offset - c_region_msk_offset) ** 2
        + (z_region_log_population - c_region_log_population) ** 2
        + (z_region_salary_rank - c_region_salary_rank) ** 2
        + (z_region_log_frequency - c_region_log_frequency) ** 2 as distance
    from standardised
    cross join centroids
),

nearest as (
    -- Ties go to the lowest cluster number, as in scikit-learn.
    select
        local_hour,
        local_weekday,
        day_of_month,
        oblast,
        region_msk_offset,
        region_population,
        region_salary_rank,
        arg_min(cluster, (distance, cluster)) as cluster
    from distances
    group by all
),

keyed as (
    select
        local_hour,
        local_weekday,
        day_of_month,
        oblast,
        case when count(*) = 1 then min(cluster) end as cluster
    from nearest
    group by local_hour, local_weekday, day_of_month, oblast
),

final as (
    select
        events.event_id,
        $run_id as run_id,
        keyed.cluster::smallint as cluster
    from events
    inner join keyed
        on keyed.local_hour = events.local_hour
        and keyed.local_weekday = events.local_weekday
        and keyed.day_of_month = events.day_of_month
        and keyed.oblast = events.oblast
)

select * from final;

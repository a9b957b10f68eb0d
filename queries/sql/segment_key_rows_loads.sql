-- The last load whose key values are in features.ad_event_key_rows ("after"), the last
-- load of raw.ad_events ("through"; -1 when there is none), and whether the columns
-- computed from the key rows (features.ad_event_key_dimensions) are stale: "inputs" is a
-- fingerprint of what they depend on besides the rows, the reference table that
-- features.ad_event_features joins, the DuckDB version (its hash() makes the keys) and
-- $code, the text of the queries that compute them.
with

inputs as (
    select hash(
        version(),
        $code,
        (
            select list((region, msk_offset_hours, population, salary_rank) order by region)
            from ref.regions
        )
    ) as fingerprint
),

final as (
    select
        (select max(load_id) from features.ad_event_key_rows_loaded) as after,
        coalesce((select max(load_id) from raw.ad_events), -1) as through,
        inputs.fingerprint as inputs,
        inputs.fingerprint is distinct from (
            select max(inputs_fingerprint) from features.ad_event_key_rows_loaded
        ) as stale
    from inputs
)

select * from final

-- One reference table of the snapshot, whole. {table} is a name listed by
-- dashboard_reference_tables.sql (the snapshot's own catalog), never user input.
with

reference as (
    select * from ref."{table}"
),

final as (
    select * from reference
)

select * from final

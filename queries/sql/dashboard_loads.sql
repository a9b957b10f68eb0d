-- The latest loads: file, target, rows loaded and quarantined.
with

loads as (
    select load_id, target_table, file_name, rows_read, rows_loaded, rows_quarantined,
        finished_at, status
    from ops.loads
),

final as (
    select * from loads order by finished_at desc limit 50
)

select * from final

-- Load manifest, quarantined rows and pipeline runs.
create table ops.loads (
    load_id bigint not null,
    target_table varchar not null,
    contract varchar,
    source_path varchar not null,
    file_name varchar not null,
    sha256 varchar not null,
    size_bytes bigint not null,
    encoding varchar,
    column_mapping json,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    started_at timestamp not null,
    finished_at timestamp not null,
    seconds double not null,
    status varchar not null,
    replaces_load_id bigint
);
comment on table ops.loads is 'One row per ingested file: where it came from, its checksum, and how its rows were split between loaded and quarantined.';
comment on column ops.loads.load_id is 'Identifier of the load; every raw row carries it in load_id.';
comment on column ops.loads.target_table is 'Table the rows went to, e.g. raw.ad_events.';
comment on column ops.loads.contract is 'Data contract the file was validated against; NULL for an as-is table load.';
comment on column ops.loads.source_path is 'Absolute path of the file as given to ingest.';
comment on column ops.loads.file_name is 'Base name of the file.';
comment on column ops.loads.sha256 is 'SHA-256 of the file bytes; the same file is loaded only once per table.';
comment on column ops.loads.size_bytes is 'Size of the file in bytes.';
comment on column ops.loads.encoding is 'Text encoding the file was read with (utf-8 or cp1251); NULL for Parquet.';
comment on column ops.loads.column_mapping is 'Contract column -> source column used for this load.';
comment on column ops.loads.rows_read is 'Data rows read from the file; equals rows_loaded + rows_quarantined.';
comment on column ops.loads.rows_loaded is 'Rows written to the target table.';
comment on column ops.loads.rows_quarantined is 'Rows written to ops.quarantine instead.';
comment on column ops.loads.started_at is 'When the load started.';
comment on column ops.loads.finished_at is 'When the load committed.';
comment on column ops.loads.seconds is 'Wall-clock duration of the load.';
comment on column ops.loads.status is 'loaded, or replaced when a later forced load of the same file superseded it.';
comment on column ops.loads.replaces_load_id is 'For a forced reload, the load whose rows this one replaced.';

create table ops.quarantine (
    load_id bigint not null,
    target_table varchar not null,
    source_path varchar not null,
    line_number bigint,
    column_name varchar,
    raw_text varchar,
    reason varchar not null
);
comment on table ops.quarantine is 'Rows rejected by ingestion, kept with the reason, so nothing is lost.';
comment on column ops.quarantine.load_id is 'Load that rejected the row (ops.loads.load_id).';
comment on column ops.quarantine.target_table is 'Table the row was meant for.';
comment on column ops.quarantine.source_path is 'File the row came from.';
comment on column ops.quarantine.line_number is 'Line of the file (1 = header) for CSV, row number (1 = first row) for Parquet.';
comment on column ops.quarantine.column_name is 'Contract column that failed, or NULL when the whole line was malformed.';
comment on column ops.quarantine.raw_text is 'The rejected row as text, as read from the file.';
comment on column ops.quarantine.reason is 'Why the row was rejected.';

create table ops.pipeline_runs (
    run_id varchar not null,
    step varchar not null,
    started_at timestamp not null,
    finished_at timestamp,
    status varchar not null,
    message varchar
);
comment on table ops.pipeline_runs is 'Every command that changed the warehouse: what ran, when, and how it ended.';
comment on column ops.pipeline_runs.run_id is 'Identifier of the run.';
comment on column ops.pipeline_runs.step is 'Command or pipeline step, e.g. ingest or train segment.';
comment on column ops.pipeline_runs.started_at is 'When the step started.';
comment on column ops.pipeline_runs.finished_at is 'When the step ended; NULL while running or if the process died.';
comment on column ops.pipeline_runs.status is 'running, succeeded or failed.';
comment on column ops.pipeline_runs.message is 'Summary on success, the reason on failure.';

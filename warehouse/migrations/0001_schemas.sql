-- Schemas of the warehouse and the record of which migrations ran.
create schema if not exists raw;
create schema if not exists ref;
create schema if not exists ops;
create schema if not exists features;
create schema if not exists ml;
create schema if not exists marts;

create table if not exists ops.schema_version (
    version integer not null,
    name varchar not null,
    applied_at timestamp not null default current_timestamp
);
comment on table ops.schema_version is 'Migrations applied to this warehouse file, one row per migration.';
comment on column ops.schema_version.version is 'Migration number, from the file name in warehouse/migrations.';
comment on column ops.schema_version.name is 'Migration file name.';
comment on column ops.schema_version.applied_at is 'When the migration ran (local time of the machine).';

-- Ad events: the mobile audience contract (warehouse/contracts.py: AD_EVENTS).
create table raw.ad_events (
    event_id bigint not null,
    segment tinyint,
    gamecategory varchar,
    subgamecategory varchar,
    bundle varchar not null,
    created timestamp not null,
    shift varchar,
    shift_hours tinyint,
    oblast varchar,
    city varchar,
    os varchar,
    osv varchar,
    load_id bigint not null,
    source_line bigint not null
);
comment on table raw.ad_events is 'One row per mobile ad request, as exported; segment is empty for rows to be scored.';
comment on column raw.ad_events.event_id is 'Identifier of the ad request: from the export when it has one, else load_id * 10^10 + source_line.';
comment on column raw.ad_events.segment is 'Audience segment 1..5 (1 women 25-31; 2 men 25-42, beer; 3 women 25-43, children; 4 men and women 18-44, pets; 5 men and women 18-45); NULL for unlabeled rows.';
comment on column raw.ad_events.gamecategory is 'Store category of the app.';
comment on column raw.ad_events.subgamecategory is 'Store subcategory of the app.';
comment on column raw.ad_events.bundle is 'App bundle id, e.g. com.nexters.art.water.color.';
comment on column raw.ad_events.created is 'Event time in Moscow time (no time zone).';
comment on column raw.ad_events.shift is 'User offset from Moscow time as exported: MSK, MSK+4, MSK-1.';
comment on column raw.ad_events.shift_hours is 'shift parsed to hours; local time = created + shift_hours hours. NULL when shift is missing.';
comment on column raw.ad_events.oblast is 'Region (federal subject) of the user.';
comment on column raw.ad_events.city is 'City of the user.';
comment on column raw.ad_events.os is 'Operating system, lower case: android or ios.';
comment on column raw.ad_events.osv is 'Operating system version as exported, e.g. 9.0 or 14.4.1.';
comment on column raw.ad_events.load_id is 'Load that brought the row (ops.loads).';
comment on column raw.ad_events.source_line is 'Line of the source file (1 = header) or Parquet row number.';

-- Documentation of features.ad_event_key_dimensions beyond the columns it shares with
-- features.ad_events (queries.segment_parts.refresh_key_rows copies those).
comment on table features.ad_event_key_dimensions is 'The columns of each app, place, device and local hour of features.ad_event_key_rows that depend on that key alone (queries/sql/segment_key_events.sql), one row per key row; scoring reads them instead of computing them. Recomputed by scoring after a new load, or when ref.regions, the DuckDB version or the query changed; never edit.';
comment on column features.ad_event_key_dimensions.app_key is 'Hash of bundle, gamecategory and subgamecategory as exported (features.ad_events). Stored: the table is recomputed when the DuckDB version, and with it hash(), changes.';
comment on column features.ad_event_key_dimensions.place_key is 'Hash of oblast and city as exported (features.ad_events); recomputed with the DuckDB version.';
comment on column features.ad_event_key_dimensions.device_key is 'Hash of os and osv as exported (features.ad_events); recomputed with the DuckDB version.';
comment on column features.ad_event_key_dimensions.bundle_vendor is 'The publisher namespace of the bundle: its first two dot parts, lower case (e.g. com.nexters).';
comment on column features.ad_event_key_dimensions.bundle_token_text is 'The bundle tokens joined by dots: split on dots, underscores, dashes and camel case, lower case, without com, org, android and app.';
comment on column features.ad_event_key_dimensions.bundle_token_count is 'Number of bundle tokens.';
comment on column features.ad_event_key_dimensions.bundle_dots is 'Dots in the bundle.';
comment on column features.ad_event_key_dimensions.bundle_capitals is 'Capital letters in the bundle.';
comment on column features.ad_event_key_dimensions.bundle_digits is 'Digits in the bundle.';
comment on column features.ad_event_key_dimensions.bundle_length is 'Characters in the bundle.';

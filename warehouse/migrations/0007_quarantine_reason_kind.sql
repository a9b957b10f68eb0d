-- The reason of a quarantined row quotes its bad value, so a million bad rows can have
-- a million distinct reasons. The kind drops the value ("created: not a timestamp"),
-- which is what people count and filter by. Rows quarantined before this column
-- existed keep NULL here: their kind cannot be recovered from the text reliably.
alter table ops.quarantine add column reason_kind varchar;
comment on column ops.quarantine.reason_kind is 'The reason without the bad value, e.g. ''created: not a timestamp'', for counting rows by kind; NULL for rows quarantined before version 7.';

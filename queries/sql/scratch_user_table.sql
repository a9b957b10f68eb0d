-- Make room in a scratch warehouse for a user's own table under the name a model was
-- trained on (the names filled as quoted identifiers); a contract table of that name,
-- empty in a new scratch, gives way to the user's rows.
create schema if not exists {schema};
drop table if exists {table};

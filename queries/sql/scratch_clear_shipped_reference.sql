-- Empty the reference tables a new warehouse ships with, before a caller's own copies
-- (for example a serving snapshot's) are written into them.
delete from ref.regions;
delete from ref.cities;
delete from ref.user_tables;

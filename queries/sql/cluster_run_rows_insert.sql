-- Append the registered frame cluster_rows to one of a cluster run's tables. The table
-- slot is filled by modeling/clusters/store.py from its allow-list of run tables only.
insert into {table}
select * from cluster_rows

-- The temporary tables the cube stages leave behind, dropped once the cubes are written.
drop table if exists temp.cube_event_dims;
drop table if exists temp.cube_predicted;
drop table if exists temp.cube_cluster;
drop table if exists temp.cube_top_values;

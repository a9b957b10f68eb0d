-- Empty staging tables for the cubes: predicted segment and cluster of each event.
-- The staging queries below refill them from the marts when those exist; a warehouse
-- with no model yet still gets a cube (every event "not scored", cluster "none").
create or replace temp table cube_predicted (event_id bigint, predicted_segment varchar);
create or replace temp table cube_cluster (event_id bigint, cluster varchar);

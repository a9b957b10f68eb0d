-- The only schemas the ad-event feature queries touch: they read raw and ref and write
-- features.
create schema raw;
create schema ref;
create schema features;

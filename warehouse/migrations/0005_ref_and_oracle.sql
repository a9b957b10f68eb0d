-- Reference tables and the demo generator's oracle (which models never read).
create table ref.regions (
    region varchar not null,
    region_en varchar not null,
    federal_district varchar not null,
    msk_offset_hours tinyint not null,
    capital varchar not null,
    population bigint not null,
    avg_salary_rub integer not null,
    salary_rank integer not null
);
comment on table ref.regions is 'Russian federal subjects with their Moscow offset and economic figures; source and year in docs/reference-data.md.';
comment on column ref.regions.region is 'Region name in Russian, as in exports (raw.ad_events.oblast, raw.users.region).';
comment on column ref.regions.region_en is 'Region name in English.';
comment on column ref.regions.federal_district is 'Federal district the region belongs to.';
comment on column ref.regions.msk_offset_hours is 'Offset of the region''s main time zone from Moscow time, in hours.';
comment on column ref.regions.capital is 'Administrative centre.';
comment on column ref.regions.population is 'Resident population.';
comment on column ref.regions.avg_salary_rub is 'Average monthly nominal salary, roubles.';
comment on column ref.regions.salary_rank is 'Rank of avg_salary_rub among regions, 1 = highest.';

create table ref.cities (
    city varchar not null,
    region varchar not null,
    population bigint
);
comment on table ref.cities is 'Cities used by exports, with their region (ref.regions.region).';
comment on column ref.cities.city is 'City name in Russian.';
comment on column ref.cities.region is 'Region the city lies in.';
comment on column ref.cities.population is 'Approximate population.';

create table ref.user_tables (
    table_name varchar not null,
    join_column varchar not null,
    joins_on varchar not null,
    load_id bigint not null
);
comment on table ref.user_tables is 'Enrichment tables loaded by users into ref, and the column they join on.';
comment on column ref.user_tables.table_name is 'Table in the ref schema.';
comment on column ref.user_tables.join_column is 'Column of that table holding the region or city.';
comment on column ref.user_tables.joins_on is 'region or city.';
comment on column ref.user_tables.load_id is 'Load that created it (ops.loads).';

create table ops.oracle_segment (
    event_id bigint not null,
    p_segment_1 double not null,
    p_segment_2 double not null,
    p_segment_3 double not null,
    p_segment_4 double not null,
    p_segment_5 double not null
);
comment on table ops.oracle_segment is 'Demo data only: the true probability of each segment given the honest features (no day of month). Models never read it; it measures how far a model is from the best possible.';
comment on column ops.oracle_segment.event_id is 'Ad request (raw.ad_events.event_id).';
comment on column ops.oracle_segment.p_segment_1 is 'True probability of segment 1.';
comment on column ops.oracle_segment.p_segment_2 is 'True probability of segment 2.';
comment on column ops.oracle_segment.p_segment_3 is 'True probability of segment 3.';
comment on column ops.oracle_segment.p_segment_4 is 'True probability of segment 4.';
comment on column ops.oracle_segment.p_segment_5 is 'True probability of segment 5.';

create table ops.oracle_churn (
    user_id bigint not null,
    period_start date not null,
    period_end date not null,
    p_churn double not null
);
comment on table ops.oracle_churn is 'Demo data only: for each paid or trial period, the true probability that the user lapses at its end and does not pay again within 2 days. Models never read it.';
comment on column ops.oracle_churn.user_id is 'Subscriber (raw.users.user_id).';
comment on column ops.oracle_churn.period_start is 'Start of the period (raw.billing.period_start).';
comment on column ops.oracle_churn.period_end is 'End of the period (raw.billing.period_end).';
comment on column ops.oracle_churn.p_churn is 'True probability of churn at period_end, 2 days grace included.';

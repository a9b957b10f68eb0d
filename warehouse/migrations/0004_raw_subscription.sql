-- Subscription service contracts (warehouse/contracts.py: USERS, BILLING, VIEWING,
-- APP_EVENTS, COMMUNICATIONS).
create table raw.users (
    user_id bigint not null,
    registered_at timestamp not null,
    platform varchar,
    region varchar,
    load_id bigint not null,
    source_line bigint not null
);
comment on table raw.users is 'Subscribers of the service, one row per user.';
comment on column raw.users.user_id is 'Identifier of the user.';
comment on column raw.users.registered_at is 'When the account was created.';
comment on column raw.users.platform is 'Platform the user registered on: web, android, ios or smart_tv.';
comment on column raw.users.region is 'Region (federal subject) of the user; joins ref.regions.region.';
comment on column raw.users.load_id is 'Load that brought the row (ops.loads).';
comment on column raw.users.source_line is 'Line of the source file (1 = header) or Parquet row number.';

create table raw.billing (
    payment_id bigint not null,
    user_id bigint not null,
    paid_at timestamp not null,
    period_start date not null,
    period_end date not null,
    amount decimal(10, 2) not null,
    plan varchar not null,
    is_trial boolean not null,
    status varchar not null,
    load_id bigint not null,
    source_line bigint not null
);
comment on table raw.billing is 'Payments; a successful one pays for the subscription from period_start to period_end.';
comment on column raw.billing.payment_id is 'Identifier of the payment.';
comment on column raw.billing.user_id is 'User who paid (raw.users.user_id).';
comment on column raw.billing.paid_at is 'When the payment was attempted.';
comment on column raw.billing.period_start is 'First day the payment covers.';
comment on column raw.billing.period_end is 'Day the covered period ends (exclusive): the subscription lapses then unless paid again.';
comment on column raw.billing.amount is 'Amount in roubles; 0 for a free trial.';
comment on column raw.billing.plan is 'Plan: trial, basic, standard or premium.';
comment on column raw.billing.is_trial is 'True for a trial period.';
comment on column raw.billing.status is 'success, failed (card declined; the period is not paid) or refunded.';
comment on column raw.billing.load_id is 'Load that brought the row (ops.loads).';
comment on column raw.billing.source_line is 'Line of the source file (1 = header) or Parquet row number.';

create table raw.viewing (
    session_id bigint not null,
    user_id bigint not null,
    started_at timestamp not null,
    content_id bigint not null,
    genre varchar,
    duration_min double not null,
    content_duration_min double,
    device varchar,
    load_id bigint not null,
    source_line bigint not null
);
comment on table raw.viewing is 'Viewing sessions: who watched what, when, for how long.';
comment on column raw.viewing.session_id is 'Identifier of the viewing session.';
comment on column raw.viewing.user_id is 'Viewer (raw.users.user_id).';
comment on column raw.viewing.started_at is 'When the session started.';
comment on column raw.viewing.content_id is 'Title watched.';
comment on column raw.viewing.genre is 'Genre of the title.';
comment on column raw.viewing.duration_min is 'Minutes watched in the session.';
comment on column raw.viewing.content_duration_min is 'Length of the title in minutes; duration_min below it means unfinished.';
comment on column raw.viewing.device is 'Device: tv, mobile, web or tablet.';
comment on column raw.viewing.load_id is 'Load that brought the row (ops.loads).';
comment on column raw.viewing.source_line is 'Line of the source file (1 = header) or Parquet row number.';

create table raw.app_events (
    event_id bigint not null,
    user_id bigint not null,
    event_time timestamp not null,
    platform varchar not null,
    event_type varchar not null,
    load_id bigint not null,
    source_line bigint not null
);
comment on table raw.app_events is 'Web and mobile app events of subscribers.';
comment on column raw.app_events.event_id is 'Identifier of the app event.';
comment on column raw.app_events.user_id is 'User (raw.users.user_id).';
comment on column raw.app_events.event_time is 'When the event happened.';
comment on column raw.app_events.platform is 'web, android, ios or smart_tv.';
comment on column raw.app_events.event_type is 'What happened, e.g. app_open, search, add_to_watchlist.';
comment on column raw.app_events.load_id is 'Load that brought the row (ops.loads).';
comment on column raw.app_events.source_line is 'Line of the source file (1 = header) or Parquet row number.';

create table raw.communications (
    message_id bigint not null,
    user_id bigint not null,
    channel varchar not null,
    campaign varchar,
    sent_at timestamp not null,
    opened_at timestamp,
    clicked_at timestamp,
    load_id bigint not null,
    source_line bigint not null
);
comment on table raw.communications is 'Marketing messages sent to subscribers, with when they were opened and clicked.';
comment on column raw.communications.message_id is 'Identifier of the message.';
comment on column raw.communications.user_id is 'Recipient (raw.users.user_id).';
comment on column raw.communications.channel is 'email, push or sms.';
comment on column raw.communications.campaign is 'Campaign the message belonged to.';
comment on column raw.communications.sent_at is 'When the message was sent.';
comment on column raw.communications.opened_at is 'When it was opened; NULL if never.';
comment on column raw.communications.clicked_at is 'When it was clicked; NULL if never.';
comment on column raw.communications.load_id is 'Load that brought the row (ops.loads).';
comment on column raw.communications.source_line is 'Line of the source file (1 = header) or Parquet row number.';

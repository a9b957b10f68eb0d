-- Communication features of every row of churn_keys (the snapshot rows of the subscription
-- or the activity model): messages sent, opened and clicked
-- per channel over 30 days, as known at the end of the snapshot day t (an open or click
-- after t does not count yet), and the channel this user responds to best over the whole
-- history up to t (clicks weigh twice an open; smoothed so one lucky open does not decide),
-- or the best channel over everyone when the user has no history.
with

snapshots as (
    select snapshot_date, user_id, snapshot_date + interval 1 day as cutoff
    from churn_keys
),

messages as (
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        comms.channel,
        comms.sent_at >= snapshots.cutoff - interval 30 day as in_window,
        coalesce(comms.opened_at < snapshots.cutoff, false) as opened,
        coalesce(comms.clicked_at < snapshots.cutoff, false) as clicked
    from snapshots
    join raw.communications as comms
        on comms.user_id = snapshots.user_id
        and comms.sent_at < snapshots.cutoff
),

windows as (
    select
        snapshot_date,
        user_id,
        count(*) filter (where in_window and channel = 'email') as email_sent_30d,
        count(*) filter (where in_window and channel = 'email' and opened) as email_opened_30d,
        count(*) filter (where in_window and channel = 'email' and clicked) as email_clicked_30d,
        count(*) filter (where in_window and channel = 'push') as push_sent_30d,
        count(*) filter (where in_window and channel = 'push' and opened) as push_opened_30d,
        count(*) filter (where in_window and channel = 'push' and clicked) as push_clicked_30d,
        count(*) filter (where in_window and channel = 'sms') as sms_sent_30d,
        count(*) filter (where in_window and channel = 'sms' and opened) as sms_opened_30d,
        count(*) filter (where in_window and channel = 'sms' and clicked) as sms_clicked_30d,
        count(*) as messages_total,
        avg(opened::integer) as open_rate_total
    from messages
    group by all
),

channel_response as (
    select
        snapshot_date,
        user_id,
        channel,
        (sum(opened::integer) + 2 * sum(clicked::integer) + 0.5) / (count(*) + 3) as response
    from messages
    group by all
),

best_channel as (
    select snapshot_date, user_id, channel as recommended_channel
    from channel_response
    qualify row_number() over (
        partition by snapshot_date, user_id order by response desc, channel
    ) = 1
),

best_overall as (
    -- Users with no history get the channel that works best across everyone.
    select snapshot_date, channel as overall_channel
    from (
        select
            snapshot_date,
            channel,
            (sum(opened::integer) + 2 * sum(clicked::integer)) / count(*) as response
        from messages
        group by all
    )
    qualify row_number() over (partition by snapshot_date order by response desc, channel) = 1
),

final as (
    select
        snapshots.snapshot_date,
        snapshots.user_id,
        coalesce(windows.email_sent_30d, 0) as email_sent_30d,
        coalesce(windows.email_opened_30d, 0) as email_opened_30d,
        coalesce(windows.email_clicked_30d, 0) as email_clicked_30d,
        coalesce(windows.push_sent_30d, 0) as push_sent_30d,
        coalesce(windows.push_opened_30d, 0) as push_opened_30d,
        coalesce(windows.push_clicked_30d, 0) as push_clicked_30d,
        coalesce(windows.sms_sent_30d, 0) as sms_sent_30d,
        coalesce(windows.sms_opened_30d, 0) as sms_opened_30d,
        coalesce(windows.sms_clicked_30d, 0) as sms_clicked_30d,
        coalesce(windows.messages_total, 0) as messages_total,
        windows.open_rate_total,
        coalesce(best_channel.recommended_channel, best_overall.overall_channel)
            as recommended_channel
    from snapshots
    left join windows using (snapshot_date, user_id)
    left join best_channel using (snapshot_date, user_id)
    left join best_overall using (snapshot_date)
)

select * from final

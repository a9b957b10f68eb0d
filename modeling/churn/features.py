"""Point-in-time features of subscription snapshots, assembled from the queries/sql files.

Every feature of a snapshot (t, user) is computed from data up to the end of day t only;
tests/queries/test_churn_features.py proves it by rewriting everything after t and
checking that no feature moves.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from modeling.churn.labels import GRACE_DAYS, build_snapshots
from queries import runner

KEYS = ("snapshot_date", "user_id")

# One query per group of features; each returns KEYS plus its features.
FEATURE_QUERIES = (
    "churn_features_billing",
    "churn_features_viewing",
    "churn_features_app",
    "churn_features_activity",
    "churn_features_comms",
    "churn_features_profile",
)

CATEGORICAL = ("plan", "region", "signup_platform")

# Columns of a snapshot frame that are not model features: keys, outcomes, vitrine fields.
NOT_FEATURES = frozenset(
    {*KEYS, "cohort", "recommended_channel", "row_id", "label", "lapse_date", "matured", "oracle_p"}
)

# Which kind of signal each feature carries: the vitrine's offer follows the main factor.
FEATURE_GROUPS = {
    "billing": (
        "tenure_days payments paid_periods total_paid had_trial plan price price_change "
        "period_days days_to_period_end days_paid_ahead failed_payments failed_payments_30d "
        "refunds failed_share past_lapses past_grace_returns days_since_return"
    ).split(),
    "viewing": (
        "watch_min_7d watch_min_14d watch_min_30d watch_min_prev_14d watch_change_14d_pct "
        "views_30d titles_30d genres_30d days_since_last_view unfinished_share_30d"
    ).split(),
    "app": (
        "app_events_7d app_events_30d sessions_web_30d sessions_android_30d sessions_ios_30d "
        "sessions_smart_tv_30d active_days_30d days_since_last_event card_linked"
    ).split(),
    "activity": (
        "activity_7d activity_30d activity_90d activity_age_30d activity_age_90d "
        "subscribed_days_30d subscribed_days_90d subscribed_days_total activity_rate_30d "
        "activity_rate_90d activity_period activity_period_rate"
    ).split(),
    "communications": (
        "email_sent_30d email_opened_30d email_clicked_30d push_sent_30d push_opened_30d "
        "push_clicked_30d sms_sent_30d sms_opened_30d sms_clicked_30d messages_total "
        "open_rate_total"
    ).split(),
    "profile": (
        "region signup_platform account_age_days snapshot_month period_end_weekday "
        "holidays_next_30d period_end_near_holiday"
    ).split(),
}


def group_of(feature: str) -> str:
    for group, names in FEATURE_GROUPS.items():
        if feature in names:
            return group
    return "other"


def snapshot_features(con: duckdb.DuckDBPyConnection, *, grace: int = GRACE_DAYS) -> pl.DataFrame:
    """Features of the rows in churn_snapshots (build them first with build_snapshots).

    Returns snapshot_date, user_id, cohort, recommended_channel and the features.
    """
    keys = runner.run(con, "churn_snapshots_keys")
    frame = keys
    for name in FEATURE_QUERIES:
        params = {"grace": grace} if name == "churn_features_billing" else None
        part = runner.run(con, name, params)
        frame = frame.join(part, on=list(KEYS), how="left")
    return frame.sort(list(KEYS))


def build_features(
    con: duckdb.DuckDBPyConnection, dates: list[date], *, grace: int = GRACE_DAYS
) -> pl.DataFrame:
    """Snapshots for `dates` and their features, in one call."""
    build_snapshots(con, dates)
    return snapshot_features(con, grace=grace)


def feature_columns(frame: pl.DataFrame) -> list[str]:
    """The model features among a frame's columns, in the frame's order."""
    return [c for c in frame.columns if c not in NOT_FEATURES]

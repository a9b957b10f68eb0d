"""Features that let a trial be judged from its first days: the card link and the activity
since the current period began, on a hand-built timeline around the snapshot date."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from churn_world import insert_rows

from modeling.churn.features import build_features
from warehouse.db import connect

T = date(2026, 3, 10)
SIGNUP = datetime(2026, 3, 1, 10, 0)


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("trial") / "w.duckdb")
    insert_rows(con, "raw.users", [(u, SIGNUP, "android", "Москва") for u in (1, 2, 3)])
    insert_rows(con, "raw.billing", [
        (u, u, SIGNUP, date(2026, 3, 1), date(2026, 3, 15), 0.0, "trial", True, "success")
        for u in (1, 2, 3)
    ])  # fmt: skip
    insert_rows(con, "raw.app_events", [
        (1, 1, datetime(2026, 3, 1, 10, 5), "android", "link_card"),  # at sign-up
        (2, 2, datetime(2026, 3, 12, 9, 0), "android", "link_card"),  # after t: unknown at t
        (3, 3, datetime(2026, 3, 2, 20, 0), "android", "app_open"),
        (4, 3, datetime(2026, 3, 5, 20, 0), "android", "search"),
        (5, 3, datetime(2026, 3, 11, 20, 0), "android", "app_open"),  # after t
    ])  # fmt: skip
    insert_rows(con, "raw.viewing", [
        (1, 3, datetime(2026, 2, 20, 21, 0), 100001, "drama", 40.0, 45.0, "mobile"),  # before
        (2, 3, datetime(2026, 3, 3, 21, 0), 100002, "drama", 45.0, 45.0, "mobile"),
        (3, 3, datetime(2026, 3, 10, 23, 30), 100003, "drama", 45.0, 45.0, "mobile"),  # day t
        (4, 3, datetime(2026, 3, 11, 0, 30), 100004, "drama", 45.0, 45.0, "mobile"),  # after t
    ])  # fmt: skip
    frame = build_features(con, [T])
    return {row["user_id"]: row for row in frame.iter_rows(named=True)}


@pytest.mark.parametrize(
    ("user", "card_linked", "activity_period"),
    [
        (1, 1, 1),  # linked at sign-up; the link is its only event
        (2, 0, 0),  # links only after t
        (3, 0, 4),  # two app events and two views in the period by the end of t
    ],
)
def test_card_link_and_activity_since_the_period_began(
    features, user, card_linked, activity_period
):
    row = features[user]
    assert row["cohort"] == "trial"
    assert row["card_linked"] == card_linked
    assert row["activity_period"] == activity_period
    # Ten days of the trial so far, 1 to 10 March.
    assert row["activity_period_rate"] == pytest.approx(activity_period / 10)

"""Churn labels on hand-built billing timelines (queries/sql/churn_snapshots, churn_labels)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest

from modeling.churn.labels import build_snapshots, snapshot_labels
from warehouse.db import connect

T = date(2024, 3, 1)  # the snapshot date of every case
AS_OF = date(2024, 6, 1)
BILLING = [
    "payment_id", "user_id", "paid_at", "period_start", "period_end", "amount", "plan",
    "is_trial", "status",
]  # fmt: skip


def day(offset: int) -> date:
    return T + timedelta(days=offset)


def paid(start: int, end: int, plan: str = "basic", status: str = "success", paid_on=None):
    """A payment for [T + start, T + end), made at 09:00 on `paid_on` (default: the start)."""
    at = datetime.combine(day(start if paid_on is None else paid_on), datetime.min.time())
    price = 0.0 if plan == "trial" else 299.0
    return (at + timedelta(hours=9), day(start), day(end), price, plan, plan == "trial", status)


# case: (payments of one user, expected cohort at T or None when not active, expected label)
CASES = {
    "lapse on day 30": ([paid(-5, 30)], "paid", 1),
    "lapse on day 31": ([paid(-5, 31)], "paid", 0),
    "lapse on day 1": ([paid(-29, 1)], "paid", 1),
    "renewal exactly at the end": ([paid(-10, 20), paid(20, 50)], "paid", 0),
    "renewal inside the grace (day 2)": ([paid(-10, 20), paid(22, 52)], "paid", 0),
    "renewal after the grace (day 3)": ([paid(-10, 20), paid(23, 53)], "paid", 1),
    "paid during the grace for a later period": (
        [paid(-10, 20), paid(25, 55, paid_on=21)],
        "paid",
        0,
    ),
    "grace return, then a lapse inside the window": (
        [paid(-10, 5), paid(6, 25)],
        "paid",
        1,
    ),
    "declined renewal, never paid": (
        [paid(-10, 20), paid(20, 50, status="failed")],
        "paid",
        1,
    ),
    "trial that converts": ([paid(-3, 11, "trial"), paid(11, 41)], "trial", 0),
    "trial that expires": ([paid(-3, 11, "trial")], "trial", 1),
    "trial converts, paid month lapses after day 30": (
        [paid(-13, 1, "trial"), paid(1, 31)],
        "trial",
        0,
    ),
    "refunded period does not cover": ([paid(-5, 25, status="refunded")], None, None),
    "paid after t for a period covering t": ([paid(-5, 25, paid_on=1)], None, None),
    "period ended the day before": ([paid(-30, 0)], None, None),
}


@pytest.fixture(scope="module")
def labeled(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("labels") / "w.duckdb")
    rows, payment = [], 0
    for user, (payments, _, _) in enumerate(CASES.values(), start=1):
        for row in payments:
            payment += 1
            rows.append((payment, user, *row))
    frame = pl.DataFrame(rows, schema=BILLING, orient="row").with_columns(
        pl.lit(1).alias("load_id"), pl.lit(1).alias("source_line")
    )
    con.register("billing_rows", frame.to_arrow())
    con.execute("insert into raw.billing select * from billing_rows")
    build_snapshots(con, [T])
    labels = snapshot_labels(con, as_of=AS_OF)
    return {row["user_id"]: row for row in labels.iter_rows(named=True)}


@pytest.mark.parametrize("case", list(CASES))
def test_label_of_hand_built_timeline(labeled, case):
    user = list(CASES).index(case) + 1
    _, cohort, label = CASES[case]
    if cohort is None:
        assert user not in labeled, f"{case}: should not be active at t"
        return
    row = labeled[user]
    assert (row["cohort"], row["label"]) == (cohort, label), case
    assert row["matured"]


@pytest.mark.parametrize(
    ("as_of", "matured"),
    [
        (T + timedelta(days=31), False),
        (T + timedelta(days=32), True),
        (T + timedelta(days=90), True),
    ],
)
def test_labels_mature_at_t_plus_32(tmp_path, as_of, matured):
    con = connect(tmp_path / "w.duckdb")
    frame = pl.DataFrame([(1, 1, *paid(-5, 30))], schema=BILLING, orient="row").with_columns(
        pl.lit(1).alias("load_id"), pl.lit(1).alias("source_line")
    )
    con.register("billing_rows", frame.to_arrow())
    con.execute("insert into raw.billing select * from billing_rows")
    build_snapshots(con, [T])
    labels = snapshot_labels(con, as_of=as_of)
    assert labels.get_column("matured").to_list() == [matured]

"""The demo generator: shape of the exports, planted signal, the artifact, the oracle."""

from __future__ import annotations

import re
from datetime import date, timedelta

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import roc_auc_score

from warehouse.contracts import CONTRACTS
from warehouse.db import connect
from warehouse.demo import (
    AD_EXPORT_COLUMNS,
    ad_event_batches,
    load_oracles,
    write_ad_events,
    write_subscription_service,
)
from warehouse.demo.catalog import build_catalog
from warehouse.demo.sampling import AliasSampler
from warehouse.demo.subscriptions import SCHEMAS, USERS
from warehouse.progress import ROWS, Step
from warehouse.reference import cities_table, regions_table

N_ADS = 250_000
N_USERS = 20_000
SUB_END = date(2026, 10, 31)


@pytest.fixture(scope="module")
def ads() -> tuple[pa.Table, pa.Table]:
    batches = list(ad_event_batches(N_ADS, seed=11, batch_rows=100_000))
    return (
        pa.concat_tables([b[0] for b in batches]).combine_chunks(),
        pa.concat_tables([b[1] for b in batches]).combine_chunks(),
    )


@pytest.fixture(scope="module")
def labeled(ads):
    """Labeled rows: true segment, both oracles, and the features as the export shows them."""
    events, oracle = ads
    keep = pc.is_valid(events["Segment"])
    events, oracle = events.filter(keep), oracle.filter(keep)
    offsets = dict(
        zip(
            *regions_table().select(["region", "msk_offset_hours"]).to_pydict().values(),
            strict=True,
        )
    )
    shift = np.array([offsets[r] for r in events["oblast"].to_pylist()])
    created = events["created"].to_numpy().astype("datetime64[s]")
    local = created + shift.astype("timedelta64[h]")
    days = local.astype("datetime64[D]")
    features = {
        "hour": ((local - days).astype(np.int64) // 3600),
        "weekday": (days.astype(np.int64) + 3) % 7,
        "bundle": _codes(events["bundle"]),
        "region": _codes(events["oblast"]),
        "os": np.array([v == "ios" for v in events["os"].to_pylist()], dtype=np.int64),
    }
    dom = np.array([d.day for d in days.astype(object)])
    honest = np.stack([oracle[f"p_segment_{k}"].to_numpy() for k in range(1, 6)], axis=1)
    full = np.stack([oracle[f"p_full_{k}"].to_numpy() for k in range(1, 6)], axis=1)
    return events["Segment"].to_numpy(), features, dom, honest, full


def _codes(column: pa.ChunkedArray) -> np.ndarray:
    encoded = pc.dictionary_encode(column.cast(pa.string())).combine_chunks()
    return encoded.indices.to_numpy()


def _single_feature_auc(codes: np.ndarray, y: np.ndarray) -> float:
    """AUC of a target encoding fitted on the first half and scored on the second."""
    half = len(y) // 2
    codes = codes.astype(np.int64)
    sums = np.bincount(codes[:half], weights=y[:half], minlength=codes.max() + 1)
    counts = np.bincount(codes[:half], minlength=codes.max() + 1)
    rate = np.where(counts > 0, sums / np.maximum(counts, 1), y[:half].mean())
    return roc_auc_score(y[half:], rate[codes[half:]])


def test_columns_ids_and_types(ads):
    events, oracle = ads
    assert events.column_names == AD_EXPORT_COLUMNS
    assert events["event_id"].to_pylist() == list(range(1, N_ADS + 1))
    assert oracle["event_id"].equals(events["event_id"])
    assert pa.types.is_integer(events.schema.field("Segment").type)
    assert events.schema.field("created").type == pa.timestamp("s")
    labeled_share = pc.mean(pc.is_valid(events["Segment"]).cast(pa.int8())).as_py()
    assert 0.78 < labeled_share < 0.82
    truth = pc.equal(events["Segment"], oracle["true_segment"])
    assert pc.all(pc.fill_null(truth, True)).as_py()


def test_deterministic_for_a_seed_whatever_the_batch_size(ads):
    events, oracle = ads
    again = list(ad_event_batches(30_000, seed=11, batch_rows=7_000))
    assert [b[0].num_rows for b in again] == [7_000] * 4 + [2_000]
    assert pa.concat_tables([b[0] for b in again]).equals(events.slice(0, 30_000))
    assert pa.concat_tables([b[1] for b in again]).equals(oracle.slice(0, 30_000))
    other = next(ad_event_batches(1_000, seed=12))[0]
    assert not other["bundle"].equals(events["bundle"].slice(0, 1_000))


def test_segment_shares(ads):
    shares = np.bincount(ads[1]["true_segment"].to_numpy(), minlength=6)[1:] / N_ADS
    assert np.allclose(shares, [0.02, 0.04, 0.31, 0.25, 0.38], atol=0.006)


def test_regions_shifts_and_cities_match_reference(ads):
    events = ads[0]
    offsets = dict(
        zip(
            *regions_table().select(["region", "msk_offset_hours"]).to_pydict().values(),
            strict=True,
        )
    )
    city_region = dict(
        zip(*cities_table().select(["city", "region"]).to_pydict().values(), strict=True)
    )
    pairs = events.select(["shift", "oblast", "city"]).cast(
        pa.schema([(n, pa.string()) for n in ("shift", "oblast", "city")])
    )
    combos = pairs.group_by(["shift", "oblast", "city"]).aggregate([]).to_pylist()
    seen_regions = set()
    for row in combos:
        region = row["oblast"]
        seen_regions.add(region)
        offset = offsets[region]
        if row["shift"] is not None:
            assert row["shift"] == ("MSK" if offset == 0 else f"MSK{offset:+d}")
        if row["city"] is not None:
            assert city_region[row["city"]] == region
    assert len(seen_regions) >= 80
    missing_shift = events["shift"].null_count / N_ADS
    assert 0.005 < missing_shift < 0.015
    assert 0 < events["city"].null_count < 0.01 * N_ADS
    assert events["oblast"].null_count == 0


def test_local_dates_lie_in_the_export_window(labeled):
    _, features, dom, _, _ = labeled
    assert set(np.unique(dom)) == set(range(1, 31))  # 1 September + 45 days


def test_bundle_ids_look_real(ads):
    catalog = build_catalog()
    assert len(set(catalog.bundles)) == 3000
    pattern = re.compile(r"^(com|ru|net|io)\.[A-Za-z0-9]+(\.[A-Za-z0-9_]+){1,6}$")
    assert all(pattern.match(b) for b in catalog.bundles)
    for famous in (
        "com.playrix.gardenscapes",
        "com.nexters.art.water.color",
        "com.ZeptoLab.CutTheRopeFree",
    ):
        assert famous in catalog.bundles
    assert any("_" in b for b in catalog.bundles)
    events = ads[0]
    counts = pc.value_counts(events["bundle"].cast(pa.string())).field("counts").to_numpy()
    top = np.sort(counts)[::-1]
    assert top[0] > 20 * np.median(top)  # Zipf: a few apps take much of the traffic
    categories = set(events["subgamecategory"].cast(pa.string()).drop_null().to_pylist())
    assert {"Puzzle", "Kids", "Parenting", "Pets", "Racing", "Beauty"} <= categories
    os_share = pc.mean(pc.equal(events["os"].cast(pa.string()), "android").cast(pa.int8())).as_py()
    assert 0.7 < os_share < 0.8


def test_honest_oracle_auc_in_range_and_below_full(labeled):
    segment, _, _, honest, full = labeled
    for k in range(1, 6):
        y = segment == k
        auc_honest = roc_auc_score(y, honest[:, k - 1])
        auc_full = roc_auc_score(y, full[:, k - 1])
        assert 0.72 <= auc_honest <= 0.89, (k, auc_honest)
        assert auc_full > auc_honest + 0.05, (k, auc_honest, auc_full)


def test_day_of_month_beats_every_honest_feature(labeled):
    segment, features, dom, _, _ = labeled
    for k in range(1, 6):
        y = (segment == k).astype(float)
        honest_best = max(_single_feature_auc(codes, y) for codes in features.values())
        assert _single_feature_auc(dom, y) > honest_best + 0.04, k


@pytest.mark.parametrize("fmt", ["csv", "csv.gz", "parquet"])
def test_ad_writer_files_read_back(tmp_path, fmt):
    paths, oracle_path = write_ad_events(tmp_path, 2_500, seed=3, fmt=fmt, rows_per_file=1_000)
    assert len(paths) == 3
    assert oracle_path.parent != tmp_path
    con = duckdb.connect()
    reader = "read_parquet(?)" if fmt == "parquet" else "read_csv(?, header = true)"
    described = con.execute(
        f"describe select * from {reader}", [[str(p) for p in paths]]
    ).fetchall()
    assert [row[0] for row in described] == AD_EXPORT_COLUMNS
    assert dict((r[0], r[1]) for r in described)["created"] == "TIMESTAMP"
    count, ids, missing_shift = con.execute(
        f"select count(*), count(distinct event_id), count(*) - count(shift) from {reader}",
        [[str(p) for p in paths]],
    ).fetchone()
    assert count == ids == 2_500
    assert missing_shift > 0  # empty fields are read as missing
    assert pq.read_metadata(oracle_path).num_rows == 2_500


@pytest.fixture(scope="module")
def cinema(tmp_path_factory):
    out = tmp_path_factory.mktemp("cinema")
    paths, oracle = write_subscription_service(out, N_USERS, seed=5)
    con = duckdb.connect()
    for name, path in paths.items():
        con.execute(f"create table {name} as select * from read_parquet(?)", [str(path)])
    con.execute("create table oracle as select * from read_parquet(?)", [str(oracle)])
    # Outcome of every period whose end (plus 2 days' grace) lies in the window.
    con.execute(
        """
        create table outcomes as
        with periods as (select * from billing where status = 'success')
        select p.user_id, p.period_start, p.period_end, p.is_trial, o.p_churn,
            not exists (
                select 1 from periods n where n.user_id = p.user_id and not n.is_trial
                and n.period_start between p.period_end and p.period_end + 2
            ) as churned
        from periods p join oracle o using (user_id, period_start, period_end)
        where p.period_end + 2 <= ?
        """,
        [SUB_END],
    )
    return con, paths, oracle


def test_subscription_files_have_contract_columns(cinema):
    con, paths, _ = cinema
    for name in ("users", "billing", "viewing", "app_events", "communications"):
        assert SCHEMAS[name].names == CONTRACTS[name].column_names
        columns = [row[0] for row in con.execute(f"describe {name}").fetchall()]
        assert columns == CONTRACTS[name].column_names
        key = CONTRACTS[name].key[0]
        total, distinct = con.execute(
            f"select count(*), count(distinct {key}) from {name}"
        ).fetchone()
        assert total == distinct > 0


def test_billing_periods(cinema):
    con = cinema[0]
    lengths = con.execute(
        "select is_trial, min(period_end - period_start), max(period_end - period_start), "
        "min(amount), max(amount) from billing group by 1 order by 1"
    ).fetchall()
    assert lengths == [(False, 30, 30, 299, 799), (True, 14, 14, 0, 0)]
    trials = con.execute(
        "select count(*), count(distinct user_id), count(*) filter (where cast(paid_at as date) <> period_start) "
        "from billing where is_trial"
    ).fetchone()
    assert trials == (N_USERS, N_USERS, 0)
    prices = con.execute(
        "select distinct plan, amount from billing where not is_trial order by 2"
    ).fetchall()
    assert [(p, int(a)) for p, a in prices] == [("basic", 299), ("standard", 499), ("premium", 799)]
    # A declined attempt happens when a period ends: on the period_end of a paid-for period.
    orphans = con.execute(
        "select count(*) from billing f where status = 'failed' and not exists (select 1 from billing s "
        "where s.user_id = f.user_id and s.status = 'success' and s.period_end = f.period_start "
        "and cast(f.paid_at as date) = f.period_start)"
    ).fetchone()[0]
    assert orphans == 0
    assert con.execute("select count(*) from billing where status = 'failed'").fetchone()[0] > 0
    success, in_oracle = con.execute(
        "select count(*), (select count(*) from oracle) from billing where status = 'success'"
    ).fetchone()
    assert success == in_oracle


def test_conversion_churn_and_oracle_auc(cinema):
    con = cinema[0]
    for is_trial, low, high in ((True, 0.45, 0.60), (False, 0.08, 0.15)):
        rows = con.execute(
            "select churned, p_churn from outcomes where is_trial = ?", [is_trial]
        ).fetchnumpy()
        churned = rows["churned"].astype(bool)
        assert low <= churned.mean() <= high, (is_trial, churned.mean())  # trial: 1 - conversion
        assert abs(rows["p_churn"].mean() - churned.mean()) < 0.03
        auc = roc_auc_score(churned, rows["p_churn"])
        assert 0.75 <= auc <= 0.9, (is_trial, auc)


def test_activity_fades_before_churn(cinema):
    con = cinema[0]
    sessions = con.execute(
        """
        select o.churned, avg((select count(*) from viewing v where v.user_id = o.user_id
            and v.started_at >= o.period_end - interval 10 day and v.started_at < o.period_end))
        from outcomes o where not o.is_trial group by 1 order by 1
        """
    ).fetchall()
    stayed, churned = sessions[0][1], sessions[1][1]
    assert churned < 0.8 * stayed


def test_trials_show_engagement_from_the_first_days(cinema):
    con = cinema[0]
    rows = con.execute(
        """
        with trials as (
            select b.user_id, u.registered_at, exists (
                select 1 from billing n where n.user_id = b.user_id and not n.is_trial
                and n.status = 'success' and n.period_start between b.period_end and b.period_end + 2
            ) as converted
            from billing b join users u using (user_id)
            where b.is_trial and b.period_end + 2 <= ?
        )
        select converted,
            (select count(*) from viewing v where v.user_id = t.user_id
                and v.started_at < t.registered_at + interval 3 day)
            + (select count(*) from app_events a where a.user_id = t.user_id
                and a.event_type <> 'link_card' and a.event_time < t.registered_at + interval 3 day)
                as first_days,
            exists (select 1 from app_events a where a.user_id = t.user_id
                and a.event_type = 'link_card') as linked
        from trials t
        """,
        [SUB_END],
    ).fetchnumpy()
    converted, linked = rows["converted"].astype(bool), rows["linked"].astype(bool)
    # Three days of viewing and app events already tell converters from the others...
    assert roc_auc_score(converted, rows["first_days"]) >= 0.65
    # ...and so does a card linked at sign-up: such a trial renews unless cancelled.
    assert 0.25 <= linked.mean() <= 0.6
    assert converted[linked].mean() > 2 * converted[~linked].mean()


def test_nothing_precedes_sign_up_and_everyone_is_welcomed(cinema):
    con = cinema[0]
    for table, column in (("viewing", "started_at"), ("app_events", "event_time"),
                          ("communications", "sent_at"), ("billing", "paid_at")):  # fmt: skip
        early = con.execute(
            f"select count(*) from {table} join users using (user_id) "
            f"where {column} < registered_at"
        ).fetchone()[0]
        assert early == 0, table
    welcomed, delay = con.execute(
        "select count(distinct user_id), max(sent_at - registered_at) from communications "
        "join users using (user_id) where campaign = 'welcome'"
    ).fetchone()
    assert welcomed == N_USERS and delay <= timedelta(minutes=10)
    links = con.execute(
        "select count(*), count(distinct user_id), max(event_time - registered_at) "
        "from app_events join users using (user_id) where event_type = 'link_card'"
    ).fetchone()
    assert links[0] == links[1] > 0 and links[2] <= timedelta(minutes=20)


def test_a_trial_without_a_card_is_never_charged(cinema):
    con = cinema[0]
    declined = con.execute(
        """
        select count(*) filter (where linked), count(*) filter (where not linked)
        from (
            select exists (select 1 from app_events a where a.user_id = f.user_id
                and a.event_type = 'link_card') as linked
            from billing f join billing t
                on t.user_id = f.user_id and t.is_trial and t.period_end = f.period_start
            where f.status = 'failed'
        )
        """
    ).fetchone()
    assert declined[0] > 0 and declined[1] == 0


def test_loyalty_grows_with_paid_periods(cinema):
    con = cinema[0]
    churn = dict(
        con.execute(
            """
            with paid as (
                select user_id, period_start, period_end,
                    row_number() over (partition by user_id order by period_start) as k
                from billing where status = 'success' and not is_trial
            )
            select k = 1, avg(case when exists (
                select 1 from billing n where n.user_id = p.user_id and n.status = 'success'
                and n.period_start between p.period_end and p.period_end + 2) then 0 else 1 end)
            from paid p where p.period_end + 2 <= ? group by 1
            """,
            [SUB_END],
        ).fetchall()
    )
    assert churn[True] > 1.4 * churn[False]


def test_alias_sampler_draws_in_proportion_to_the_weights():
    weights = np.array([5.0, 0.0, 1.0, 2.5, 0.5])
    draws = AliasSampler(weights).draw(np.random.default_rng(0).random(400_000))
    shares = np.bincount(draws, minlength=len(weights)) / len(draws)
    assert np.abs(shares - weights / weights.sum()).max() < 0.003
    assert shares[1] == 0


@pytest.mark.parametrize(
    ("write", "n", "message", "unit", "expected_done"),
    [
        (
            lambda out, n, progress: write_ad_events(
                out, n, seed=2, fmt="csv", rows_per_file=1_000, progress=progress
            ),
            2_500,
            "ad events",
            ROWS,
            [0, 1_000, 2_000, 2_500],
        ),
        (
            lambda out, n, progress: write_subscription_service(out, n, seed=2, progress=progress),
            700,
            "subscribers",
            USERS,
            [0, 700],
        ),
    ],
    ids=["ad events", "subscribers"],
)
def test_generator_reports_rows_written(tmp_path, write, n, message, unit, expected_done):
    steps: list[Step] = []
    write(tmp_path, n, steps.append)
    assert {(step.message, step.unit, step.total) for step in steps} == {(message, unit, n)}
    assert [step.done for step in steps] == expected_done


def test_subscription_deterministic_and_csv_readable(tmp_path):
    a, _ = write_subscription_service(tmp_path / "a", 1_500, seed=9)
    b, _ = write_subscription_service(tmp_path / "b", 1_500, seed=9)
    c, _ = write_subscription_service(tmp_path / "c", 1_500, seed=9, fmt="csv")
    con = duckdb.connect()
    for name in a:
        assert pq.read_table(a[name]).equals(pq.read_table(b[name]))
        columns = [
            row[0]
            for row in con.execute("describe select * from read_csv(?)", [str(c[name])]).fetchall()
        ]
        assert columns == CONTRACTS[name].column_names
        counts = [
            con.execute("select count(*) from read_parquet(?)", [str(a[name])]).fetchone()[0],
            con.execute("select count(*) from read_csv(?)", [str(c[name])]).fetchone()[0],
        ]
        assert counts[0] == counts[1] > 0


def test_load_oracles_replaces_atomically(tmp_path):
    _, ad_oracle = write_ad_events(tmp_path / "ads", 3_000, seed=1)
    _, churn_oracle = write_subscription_service(tmp_path / "subs", 500, seed=1)
    con = connect(tmp_path / "w.duckdb")
    first = load_oracles(con, ad_oracle, churn_oracle)
    again = load_oracles(con, ad_oracle, churn_oracle)
    assert first == again
    assert first["ops.oracle_segment"] == 3_000
    assert first["ops.oracle_churn"] == pq.read_metadata(churn_oracle).num_rows
    sums = con.execute(
        "select min(p_segment_1 + p_segment_2 + p_segment_3 + p_segment_4 + p_segment_5), "
        "max(p_segment_1 + p_segment_2 + p_segment_3 + p_segment_4 + p_segment_5) from ops.oracle_segment"
    ).fetchone()
    assert sums[0] > 0.999 and sums[1] < 1.001
    assert load_oracles(con, None, None) == {}
    assert (
        con.execute("select count(*) from ops.oracle_churn").fetchone()[0]
        == first["ops.oracle_churn"]
    )
    with pytest.raises(FileNotFoundError):
        load_oracles(con, tmp_path / "nope.parquet", None)
    assert con.execute("select count(*) from ops.oracle_segment").fetchone()[0] == 3_000


def test_window_dates(cinema):
    con = cinema[0]
    first, last = con.execute("select min(registered_at), max(registered_at) from users").fetchone()
    assert first.date() >= SUB_END - timedelta(days=364)
    assert last.date() <= SUB_END
    latest = con.execute("select max(started_at) from viewing").fetchone()[0]
    assert latest.date() <= SUB_END

"""Cluster model, k selection and the pure analyses (coverage, profiles, phik) on tiny frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from phik.phik import phik_matrix
from polars.testing import assert_frame_equal
from sklearn.exceptions import NotFittedError

from modeling.clusters import (
    ClusterModel,
    choose_k,
    cluster_segment_phik,
    coverage,
    phik_correlations,
    profiles,
    project,
    select_k,
)
from modeling.clusters.features import FeatureSpec, raw_features, region_frequency
from modeling.clusters.store import insert_frame
from warehouse.db import connect, fetch_frame

# Five planted groups, each its own time of day, weekday and region (offset, population,
# salary rank); segment = group 90 % of the time.
GROUPS = [
    # hour, weekday, oblast, offset, population, salary rank
    (3, 1, "A", 0, 12_000_000, 1),
    (8, 3, "B", 2, 4_000_000, 30),
    (13, 5, "C", 4, 1_000_000, 60),
    (18, 6, "D", 7, 500_000, 80),
    (22, 7, "E", 9, 2_500_000, 15),
]


def planted_events(n: int, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, len(GROUPS), n)
    table = np.array([g[:2] + g[3:] for g in GROUPS], dtype=np.int64)
    hour = (table[group, 0] + rng.integers(-1, 2, n)) % 24
    segment = np.where(rng.random(n) < 0.9, group + 1, rng.integers(1, 6, n))
    return pl.DataFrame(
        {
            "event_id": np.arange(n, dtype=np.int64),
            "segment": segment.astype(np.int8),
            "local_hour": hour.astype(np.int8),
            "local_weekday": table[group, 1].astype(np.int8),
            "day_of_month": rng.integers(1, 31, n).astype(np.int8),
            "oblast": np.array([g[2] for g in GROUPS])[group],
            "region_msk_offset": table[group, 2].astype(np.int8),
            "region_population": table[group, 3],
            "region_salary_rank": table[group, 4].astype(np.int32),
            "gamecategory": rng.choice(["Puzzle", "Action"], n),
        }
    )


@pytest.fixture(scope="module")
def planted() -> pl.DataFrame:
    return planted_events(3000)


@pytest.fixture(scope="module")
def fitted(planted) -> ClusterModel:
    return ClusterModel(n_clusters=5, random_state=0).fit(planted)


# ---- features and model ------------------------------------------------------------


def test_feature_spec_leaves_day_of_month_out_by_default():
    assert "day_of_month" not in FeatureSpec().names
    assert FeatureSpec(include_day_of_month=True).names[4] == "day_of_month"
    assert FeatureSpec().variant == "without_day_of_month"


def test_time_is_encoded_on_the_circle():
    frame = planted_events(10).with_columns(
        local_hour=pl.Series([0, 23, 12, 6, 0, 0, 0, 0, 0, 0], dtype=pl.Int8),
        local_weekday=pl.Series([1, 7, 4, 1, 1, 1, 1, 1, 1, 1], dtype=pl.Int8),
    )
    raw = raw_features(frame, region_frequency(frame), FeatureSpec())
    hour = np.column_stack([raw["hour_sin"], raw["hour_cos"]])
    # 23 h is as close to 0 h as 1 h would be; noon is opposite.
    assert np.linalg.norm(hour[0] - hour[1]) == pytest.approx(2 * np.sin(np.pi / 24))
    assert np.linalg.norm(hour[0] - hour[2]) == pytest.approx(2.0)
    assert raw["weekday_sin"][0] == pytest.approx(0.0)
    assert np.hypot(raw["weekday_sin"][1], raw["weekday_cos"][1]) == pytest.approx(1.0)


def test_region_frequency_is_log_share():
    frame = pl.DataFrame({"oblast": ["A", "A", "A", "B"]})
    table = region_frequency(frame)
    assert dict(zip(table["oblast"], table["log_share"], strict=True)) == pytest.approx(
        {"A": np.log(0.75), "B": np.log(0.25)}
    )


def test_model_follows_the_estimator_contract(planted, fitted):
    with pytest.raises(NotFittedError):
        ClusterModel(3).predict(planted)
    model = ClusterModel(n_clusters=3)
    assert model.fit(planted) is model
    assert model.n_clusters == 3 and not hasattr(ClusterModel(3), "kmeans_")
    labels = fitted.predict(planted)
    assert set(labels) == {1, 2, 3, 4, 5}
    assert fitted.centroids_frame().height == 5 * len(fitted.feature_names_)


def test_missing_column_is_named(planted):
    with pytest.raises(ValueError, match="local_weekday"):
        ClusterModel(3).fit(planted.drop("local_weekday"))


def test_unknown_region_sits_at_the_mean(fitted, planted):
    row = planted.head(1).with_columns(
        oblast=pl.lit("Nowhere"),
        region_msk_offset=pl.lit(None, dtype=pl.Int8),
        region_population=pl.lit(None, dtype=pl.Int64),
        region_salary_rank=pl.lit(None, dtype=pl.Int32),
    )
    scaled = fitted.transform(row)
    region = [fitted.feature_names_.index(f) for f in fitted.feature_names_ if "region" in f]
    assert np.all(scaled[0, region] == 0.0)
    assert fitted.predict(row)[0] in range(1, 6)


def test_large_samples_use_minibatch(planted):
    model = ClusterModel(n_clusters=4, minibatch_above=1000).fit(planted)
    assert type(model.kmeans_).__name__ == "MiniBatchKMeans"
    assert type(ClusterModel(4).fit(planted).kmeans_).__name__ == "KMeans"


# ---- k selection ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phik", "tolerance", "expected"),
    [
        ([0.2, 0.5, 0.79, 0.81, 0.805], 0.01, 6),
        ([0.2, 0.5, 0.79, 0.81, 0.805], 0.03, 5),
        ([0.2, 0.5, 0.79, 0.81, 0.805], 0.0, 6),
        ([0.9, 0.5, 0.4, 0.3, 0.2], 0.01, 3),
    ],
)
def test_choose_k_takes_smallest_k_near_best_phik(phik, tolerance, expected):
    curve = pl.DataFrame({"k": [3, 4, 5, 6, 7], "phik": phik})
    assert choose_k(curve, tolerance) == expected


def test_k_selection_finds_the_planted_k(planted):
    fit, labeled = planted.head(2000), planted.tail(1000)
    selection = select_k(fit, labeled, ks=range(3, 9), silhouette_rows=800, random_state=0)
    assert selection.chosen_k == 5
    curve = selection.curve
    assert curve.height == 6 and curve["silhouette"].null_count() == 0
    # Silhouette agrees on this well-separated data.
    assert curve.sort("silhouette", descending=True)["k"][0] == 5
    assert selection.model.n_clusters == 5


def test_cluster_segment_phik_matches_phik():
    rng = np.random.default_rng(1)
    clusters = rng.integers(1, 4, 500)
    segments = np.where(rng.random(500) < 0.7, clusters, rng.integers(1, 4, 500))
    frame = pd.DataFrame({"c": clusters.astype(str), "s": segments.astype(str)})
    expected = phik_matrix(frame, interval_cols=[], verbose=False, njobs=1).loc["c", "s"]
    assert cluster_segment_phik(clusters, segments) == pytest.approx(expected)
    assert cluster_segment_phik(np.ones(10), np.arange(10)) == 0.0


# ---- coverage ------------------------------------------------------------------------

COVERAGE_FRAME = pl.DataFrame(
    {
        "cluster": [1, 1, 1, 1, 2, 2, 2, 3],
        "segment": [1, 1, 2, None, 2, 2, 1, None],
    },
    schema={"cluster": pl.Int16, "segment": pl.Int8},
)


def test_coverage_on_a_tiny_frame():
    table = coverage(COVERAGE_FRAME).table
    # Labeled: cluster 1 -> {1: 2, 2: 1}, cluster 2 -> {1: 1, 2: 2}; segment base rates 1/2.
    expected = pl.DataFrame(
        {
            "cluster": [1, 1, 2, 2, 3, 3],
            "segment": [1, 2, 1, 2, 1, 2],
            "events": [2, 1, 1, 2, 0, 0],
            "row_share": [2 / 3, 1 / 3, 1 / 3, 2 / 3, None, None],
            "column_share": [2 / 3, 1 / 3, 1 / 3, 2 / 3, 0.0, 0.0],
            "lift": [4 / 3, 2 / 3, 2 / 3, 4 / 3, None, None],
            "cluster_size": [4, 4, 3, 3, 1, 1],
        },
        schema_overrides={"cluster": pl.Int16, "segment": pl.Int8},
    )
    assert_frame_equal(table, expected)


def test_row_shares_sum_to_one_per_cluster(planted, fitted):
    frame = pl.DataFrame({"cluster": fitted.predict(planted), "segment": planted["segment"]})
    result = coverage(frame)
    sums = result.table.group_by("cluster").agg(pl.col("row_share").sum())
    assert np.allclose(sums["row_share"], 1.0)
    columns = result.table.group_by("segment").agg(pl.col("column_share").sum())
    assert np.allclose(columns["column_share"], 1.0)
    assert result.matrix("row_share").width == 1 + 5


def test_coverage_names_a_missing_column():
    with pytest.raises(ValueError, match="segment"):
        coverage(pl.DataFrame({"cluster": [1]}))


# ---- profiles ------------------------------------------------------------------------


def test_profiles_keep_top_regions_and_all_hours():
    frame = pl.DataFrame(
        {
            "cluster": [1, 1, 1, 1, 2],
            "local_hour": [0, 0, 5, 23, 7],
            "local_weekday": [1, 2, 2, 2, 7],
            "oblast": ["B", "A", "C", "C", "A"],
            "gamecategory": ["x", "x", "y", "y", "z"],
        }
    )
    table = profiles(frame, top_n=2).table
    one = table.filter(pl.col("cluster") == 1)
    assert one.filter(pl.col("dimension") == "local_hour")["value"].to_list() == ["0", "23", "5"]
    # C (2 events) first, then A before B: the tie breaks by name.
    assert one.filter(pl.col("dimension") == "oblast")["value"].to_list() == ["C", "A"]
    assert one.filter(pl.col("dimension") == "local_weekday")["share"].to_list() == [0.75, 0.25]
    assert table.filter(pl.col("cluster") == 2)["share"].to_list() == [1.0] * 4


# ---- phik matrix ---------------------------------------------------------------------


def small_phik_frame() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    cluster = rng.integers(1, 4, 400)
    return pl.DataFrame(
        {
            "cluster": cluster,
            "segment": np.where(rng.random(400) < 0.6, cluster, rng.integers(1, 6, 400)),
            "local_hour": (cluster * 6 + rng.integers(0, 4, 400)) % 24,
            "region_population": rng.normal(1e6, 2e5, 400) + cluster * 1e5,
        }
    )


def test_stored_phik_equals_phiks_own(tmp_path):
    frame = small_phik_frame()
    result = phik_correlations(frame)
    con = connect(tmp_path / "w.duckdb")
    insert_frame(con, "marts.cluster_phik", "r1", result.table)
    stored = fetch_frame(con, "select * from marts.cluster_phik where run_id = 'r1'")
    data = frame.to_pandas()
    for name in ("cluster", "segment", "local_hour"):
        data[name] = data[name].astype(str)
    own = phik_matrix(data, interval_cols=["region_population"], verbose=False, njobs=1)
    assert stored.height == 16
    for row in stored.iter_rows(named=True):
        assert row["phik"] == pytest.approx(own.loc[row["variable_x"], row["variable_y"]])
    strong = stored.filter(
        (pl.col("variable_x") == "cluster") & (pl.col("variable_y") == "segment")
    )
    assert strong["significance"][0] > 3  # a real dependence, many standard deviations


def test_projection_is_pca_of_the_standardised_features(planted, fitted):
    result = project(fitted, planted.head(500))
    assert result.table.columns == ["event_id", "x", "y", "cluster", "segment"]
    assert result.table["x"].var() >= result.table["y"].var()
    assert sum(result.explained_variance_ratio) <= 1.0
    assert (result.table["cluster"].to_numpy() == fitted.predict(planted.head(500))).all()

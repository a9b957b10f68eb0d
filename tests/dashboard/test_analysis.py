import math

import polars as pl
import pytest

from dashboard.analysis import beeswarm_offsets, threshold_metrics, waterfall_steps


def test_threshold_metrics():
    counts = pl.DataFrame(
        {
            "true_positive": [30],
            "false_positive": [10],
            "false_negative": [20],
            "true_negative": [40],
        }
    )
    m = threshold_metrics(counts)
    assert m.precision == pytest.approx(0.75)
    assert m.recall == pytest.approx(0.6)
    assert m.reached == 40 and m.total == 100 and m.audience_share == pytest.approx(0.4)


def test_threshold_metrics_with_nobody_targeted_is_nan_not_an_error():
    m = threshold_metrics(
        pl.DataFrame(
            {
                "true_positive": [0],
                "false_positive": [0],
                "false_negative": [5],
                "true_negative": [5],
            }
        )
    )
    assert math.isnan(m.precision) and m.recall == 0


def test_threshold_metrics_names_a_missing_column():
    with pytest.raises(ValueError, match="true_negative"):
        threshold_metrics(
            pl.DataFrame({"true_positive": [1], "false_positive": [1], "false_negative": [1]})
        )


def test_waterfall_keeps_top_features_and_sums_the_rest():
    frame = pl.DataFrame(
        {
            "feature": ["a", "b", "c", "d"],
            "feature_value": ["1", "x", "2", "y"],
            "shap_value": [0.5, -1.0, 0.1, 0.2],
        }
    )
    steps = waterfall_steps(frame, top=2)
    assert steps.get_column("label").to_list() == ["b = x", "a = 1", "2 other features"]
    assert steps.get_column("end")[-1] == pytest.approx(frame.get_column("shap_value").sum())
    assert steps.get_column("start")[0] == 0


def test_beeswarm_rows_stay_within_their_feature_band():
    frame = pl.DataFrame(
        {"feature": ["a"] * 50 + ["b"] * 50, "shap_value": [i / 50 for i in range(100)]}
    )
    out = beeswarm_offsets(frame, ["a", "b"])
    a = out.filter(pl.col("feature") == "a").get_column("y")
    assert a.min() >= 1 - 0.4 and a.max() <= 1 + 0.4  # first feature is drawn on top

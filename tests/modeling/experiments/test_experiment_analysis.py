"""The whole analysis over a per-client frame, and every bad input as a clear ValueError."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.multitest import multipletests

from modeling.experiments import MetricSpec, analyze_experiment, compare_metric
from modeling.experiments.simulate import simulate_experiment

METRICS = [
    MetricSpec("conversion", "converted", "binary", covariate="pre_sessions"),
    MetricSpec("revenue", "revenue", "numeric", covariate="pre_sessions"),
    MetricSpec("retained", "retained_30d", "binary"),
]


@pytest.fixture(scope="module")
def experiment():
    return simulate_experiment(20_000, seed=11)


def test_analysis_holds_srm_each_metric_and_holm_adjusted_p_values(experiment):
    analysis = analyze_experiment(experiment.frame, METRICS)
    assert analysis.srm.srm_ok and analysis.srm.variants == ("control", "treatment")
    assert [c.metric for c in analysis.comparisons] == ["conversion", "revenue", "retained"]
    primary = [c.primary.p_value for c in analysis.comparisons]
    expected = multipletests(primary, method="holm")[1]
    np.testing.assert_allclose(
        [c.p_value_adjusted for c in analysis.comparisons], expected, atol=1e-12
    )
    conversion = analysis.comparison("conversion", "treatment")
    assert conversion.cuped is not None and conversion.cuped.variance_reduction > 0.05
    assert analysis.comparison("retained", "treatment").cuped is None


def test_analysis_equals_the_per_metric_comparison_on_the_same_clients(experiment):
    frame = experiment.frame
    analysis = analyze_experiment(frame, METRICS[:1], correction="bh")
    control = frame.filter(pl.col("variant") == "control")
    treatment = frame.filter(pl.col("variant") == "treatment")
    direct = compare_metric(
        "conversion",
        "binary",
        control["converted"].to_numpy(),
        treatment["converted"].to_numpy(),
        control_covariate=control["pre_sessions"].to_numpy(),
        treatment_covariate=treatment["pre_sessions"].to_numpy(),
    )
    result = analysis.comparisons[0]
    assert result.raw == direct.raw and result.cuped == direct.cuped
    assert result.p_value_adjusted == direct.cuped.effect.p_value  # one comparison: unchanged


def test_three_arms_give_one_comparison_per_treated_variant_and_a_planned_split_srm():
    sim = simulate_experiment(9_000, seed=2, split={"control": 0.5, "b": 0.25, "c": 0.25})
    analysis = analyze_experiment(
        sim.frame, METRICS[:1], planned_split={"control": 2, "b": 1, "c": 1}
    )
    assert [c.variant for c in analysis.comparisons] == ["b", "c"]
    assert analysis.srm.srm_ok
    lopsided = analyze_experiment(
        sim.frame, METRICS[:1], planned_split={"control": 1, "b": 1, "c": 1}
    )
    assert not lopsided.srm.srm_ok


def _frame(**columns):
    base = {
        "variant": ["control", "control", "control", "treatment", "treatment", "treatment"],
        "converted": [0.0, 1.0, 0.0, 1.0, 1.0, 0.0],
        "revenue": [0.0, 5.0, 0.0, 7.0, 3.0, 0.0],
        "pre": [1.0, 2.0, 0.0, 3.0, 1.0, 0.0],
    }
    base.update(columns)
    return pl.DataFrame(base)


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (_frame(variant=["control"] * 6), {}, "at least two variants"),
        (
            _frame(),
            {"planned_split": {"control": 1, "treatment": 1, "c": 1}},
            r"\['c'\] have no clients",
        ),
        (_frame(converted=[0.0, 1.0, None, 1.0, 1.0, 0.0]), {}, "'converted' has 1 null"),
        (_frame(revenue=[0.0, float("nan"), 0.0, 7.0, 3.0, 0.0]), {}, "NaN"),
        (_frame(converted=[0.0, 2.0, 0.0, 1.0, 1.0, 0.0]), {}, "only 0 and 1"),
        (_frame(), {"control": "baseline"}, "control variant 'baseline'"),
        (_frame().drop("pre"), {}, r"missing column\(s\) \['pre'\]"),
        (
            _frame(variant=["control", None, "control", "treatment", "treatment", "treatment"]),
            {},
            "null",
        ),
    ],
)
def test_bad_frames_raise_a_value_error_naming_the_problem(frame, kwargs, message):
    metrics = [
        MetricSpec("conversion", "converted", "binary", covariate="pre"),
        MetricSpec("revenue", "revenue", "numeric"),
    ]
    with pytest.raises(ValueError, match=message):
        analyze_experiment(frame, metrics, **kwargs)


@pytest.mark.parametrize(
    ("control", "treatment", "kwargs", "message"),
    [
        ([], [1.0, 0.0], {}, "'control' has no clients"),
        ([1.0, 0.0], [0.0, float("nan")], {}, "'treatment' has 1 NaN"),
        (
            [1.0, 0.0],
            [0.0, 1.0],
            {"control_covariate": [1.0], "treatment_covariate": [1.0, 2.0]},
            "same length",
        ),
        ([1.0, 0.0], [0.0, 1.0], {"control_covariate": [1.0, 2.0]}, "both arms"),
        ([0.0, 0.0], [0.0, 0.0], {}, "no variance"),
        ([0.0, 0.0, 0.0], [0.0, 1.0], {}, "control mean is zero"),
        ([1.0, 0.0], [[0.0, 1.0]], {}, "1-D"),
    ],
)
def test_bad_arrays_raise_a_value_error_naming_the_problem(control, treatment, kwargs, message):
    with pytest.raises(ValueError, match=message):
        compare_metric("conversion", "binary", control, treatment, **kwargs)


def test_a_numeric_metric_needs_two_clients_per_arm():
    with pytest.raises(ValueError, match="at least 2"):
        compare_metric("revenue", "numeric", [1.0], [2.0, 3.0])


def test_simulation_is_deterministic_and_records_exact_relative_truths():
    first, second = simulate_experiment(2_000, seed=4), simulate_experiment(2_000, seed=4)
    assert first.frame.equals(second.frame)
    assert first.conversion.relative == 0.12 and first.retention_of_converters.relative == 0.08
    assert first.conversion.difference == pytest.approx(first.conversion.control * 0.12)
    null = simulate_experiment(2_000, seed=4, conversion_lift=0.0, retention_lift=0.0)
    assert null.conversion.difference == 0.0 and null.revenue.difference == 0.0
    assert not first.frame.equals(simulate_experiment(2_000, seed=5).frame)

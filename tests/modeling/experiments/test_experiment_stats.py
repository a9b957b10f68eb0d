"""Per-metric comparisons equal statsmodels where it computes the same, and hand-computed
values where it does not (the delta-method lift, CUPED)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats as scipy_stats
from statsmodels.stats import proportion
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW, ttest_ind

from modeling.experiments import compare_metric

TOL = 1e-9
Z975 = scipy_stats.norm.isf(0.025)

BINARY_CASES = [
    # control, treatment
    ([1, 0, 0, 0, 1, 0, 0, 0, 0, 0], [1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0]),
    ([0, 1] * 40 + [0] * 20, [1, 1, 0] * 30),
    ([1] * 7 + [0] * 93, [1] * 4 + [0] * 120),
    ([1, 1, 1, 0], [0, 0, 0, 0, 0, 1]),
]
NUMERIC_CASES = [
    ([3.0, 4.5, 1.0, 8.0, 2.5], [5.0, 6.0, 9.5, 4.0]),
    ([0.0, 0.0, 12.0, 0.0, 30.0, 7.5, 0.0], [0.0, 14.0, 0.0, 45.0, 0.0, 0.0, 22.0, 3.0]),
    ([10.0, 11.0, 9.0, 10.5, 9.5, 10.2], [10.4, 11.3, 9.9, 10.8, 12.0, 10.1, 11.7]),
]


@pytest.mark.parametrize(("control", "treatment"), BINARY_CASES)
def test_binary_difference_interval_and_p_value_equal_statsmodels_wald(control, treatment):
    result = compare_metric("conversion", "binary", control, treatment).raw
    count_t, n_t, count_c, n_c = sum(treatment), len(treatment), sum(control), len(control)
    low, high = proportion.confint_proportions_2indep(
        count_t, n_t, count_c, n_c, method="wald", compare="diff"
    )
    test = proportion.test_proportions_2indep(
        count_t, n_t, count_c, n_c, method="wald", compare="diff"
    )
    assert result.difference == pytest.approx(count_t / n_t - count_c / n_c, abs=TOL)
    assert result.difference_ci.lower == pytest.approx(low, abs=TOL)
    assert result.difference_ci.upper == pytest.approx(high, abs=TOL)
    assert result.p_value == pytest.approx(test.pvalue, abs=TOL)
    assert result.control.mean == count_c / n_c and result.treatment.clients == n_t
    assert result.degrees_of_freedom is None


@pytest.mark.parametrize(("control", "treatment"), NUMERIC_CASES)
def test_numeric_difference_interval_and_p_value_equal_statsmodels_welch(control, treatment):
    result = compare_metric("revenue", "numeric", control, treatment).raw
    tstat, p_value, df = ttest_ind(treatment, control, usevar="unequal")
    low, high = CompareMeans(DescrStatsW(treatment), DescrStatsW(control)).tconfint_diff(
        alpha=0.05, usevar="unequal"
    )
    assert result.difference / result.standard_error == pytest.approx(tstat, abs=TOL)
    assert result.p_value == pytest.approx(p_value, abs=TOL)
    assert result.degrees_of_freedom == pytest.approx(df, abs=TOL)
    assert result.difference_ci.lower == pytest.approx(low, abs=TOL)
    assert result.difference_ci.upper == pytest.approx(high, abs=TOL)


def test_interval_excludes_zero_exactly_when_p_is_below_alpha():
    for control, treatment in BINARY_CASES:
        raw = compare_metric("m", "binary", control, treatment, alpha=0.1).raw
        assert (raw.p_value < 0.1) == (not raw.difference_ci.contains(0.0))


def test_relative_lift_interval_is_the_hand_computed_delta_method():
    # p_c = 1/4 (n 4), p_t = 2/5 (n 5): v_c = 3/64, v_t = 6/125, lift = 3/5,
    # var = v_t / p_c^2 + p_t^2 v_c / p_c^4 = 96/125 + 48/25 = 336/125.
    raw = compare_metric("m", "binary", [1, 0, 0, 0], [1, 1, 0, 0, 0]).raw
    se = math.sqrt(336 / 125)
    assert raw.relative_lift == pytest.approx(0.6, abs=1e-12)
    assert raw.relative_lift_ci.lower == pytest.approx(0.6 - Z975 * se, abs=1e-12)
    assert raw.relative_lift_ci.upper == pytest.approx(0.6 + Z975 * se, abs=1e-12)


# Control y (x): 2 (1), 4 (2), 3 (2), 7 (3); treatment y (x): 5 (3), 6 (2), 9 (4).
CUPED_CONTROL = ([2.0, 4.0, 3.0, 7.0], [1.0, 2.0, 2.0, 3.0])
CUPED_TREATMENT = ([5.0, 6.0, 9.0], [3.0, 2.0, 4.0])


def cuped_comparison():
    """compare_metric on the CUPED arms, each with its covariate."""
    return compare_metric(
        "m",
        "numeric",
        CUPED_CONTROL[0],
        CUPED_TREATMENT[0],
        control_covariate=CUPED_CONTROL[1],
        treatment_covariate=CUPED_TREATMENT[1],
    )


def test_cuped_numbers_are_the_hand_computed_ones():
    # Within-arm sums: control Sxy 5, Sxx 2, Syy 14; treatment Sxy 3, Sxx 2, Syy 26/3.
    # theta = (5 + 3) / (2 + 2) = 2; pooled mean of x = 17/7.
    # Adjusted means 4 - 2 (2 - 17/7) = 34/7 and 20/3 - 2 (3 - 17/7) = 116/21.
    # Adjusted sums of squares 14 - 20 + 8 = 2 and 26/3 - 12 + 8 = 14/3, so
    # v_c = 2/3 / 4 = 1/6, v_t = 7/3 / 3 = 7/9; raw v_c = 14/3 / 4, v_t = 13/3 / 3.
    result = cuped_comparison()
    cuped = result.cuped
    m_c, m_t = Fraction(34, 7), Fraction(116, 21)
    v_c, v_t = Fraction(1, 6), Fraction(7, 9)
    raw_variance = Fraction(14, 12) + Fraction(13, 9)
    assert cuped.theta == pytest.approx(2.0, abs=1e-12)
    assert cuped.effect.control.mean == pytest.approx(float(m_c), abs=1e-12)
    assert cuped.effect.treatment.mean == pytest.approx(float(m_t), abs=1e-12)
    assert cuped.effect.difference == pytest.approx(2 / 3, abs=1e-12)
    assert cuped.effect.standard_error**2 == pytest.approx(float(v_c + v_t), abs=1e-12)
    assert cuped.variance_reduction == pytest.approx(
        float(1 - (v_c + v_t) / raw_variance), abs=1e-12
    )
    df = (v_c + v_t) ** 2 / (v_c**2 / 3 + v_t**2 / 2)
    assert cuped.effect.degrees_of_freedom == pytest.approx(float(df), abs=1e-12)
    lift_variance = v_t / m_c**2 + m_t**2 * v_c / m_c**4
    assert cuped.effect.relative_lift == pytest.approx(7 / 51, abs=1e-12)
    assert cuped.effect.relative_lift_ci.upper == pytest.approx(
        7 / 51 + Z975 * math.sqrt(lift_variance), abs=1e-12
    )
    assert result.primary is cuped.effect


def test_cuped_theta_and_difference_are_the_ancova_coefficients_of_statsmodels_ols():
    y = np.array(CUPED_CONTROL[0] + CUPED_TREATMENT[0])
    x = np.array(CUPED_CONTROL[1] + CUPED_TREATMENT[1])
    arm = np.array([0.0] * 4 + [1.0] * 3)
    fit = sm.OLS(y, np.column_stack([np.ones(7), arm, x])).fit()
    cuped = cuped_comparison().cuped
    assert cuped.theta == pytest.approx(fit.params[2], abs=TOL)
    assert cuped.effect.difference == pytest.approx(fit.params[1], abs=TOL)


@pytest.mark.parametrize(("control", "treatment"), NUMERIC_CASES)
def test_cuped_interval_equals_statsmodels_welch_on_the_adjusted_values(control, treatment):
    rng = np.random.default_rng(len(control))
    x_c = np.asarray(control) * 0.5 + rng.normal(size=len(control))
    x_t = np.asarray(treatment) * 0.5 + rng.normal(size=len(treatment))
    cuped = compare_metric(
        "m", "numeric", control, treatment, control_covariate=x_c, treatment_covariate=x_t
    ).cuped
    x_mean = np.concatenate([x_c, x_t]).mean()
    adjusted_c = np.asarray(control) - cuped.theta * (x_c - x_mean)
    adjusted_t = np.asarray(treatment) - cuped.theta * (x_t - x_mean)
    _, p_value, _ = ttest_ind(adjusted_t, adjusted_c, usevar="unequal")
    low, high = CompareMeans(DescrStatsW(adjusted_t), DescrStatsW(adjusted_c)).tconfint_diff(
        usevar="unequal"
    )
    assert cuped.effect.p_value == pytest.approx(p_value, abs=TOL)
    assert cuped.effect.difference_ci.lower == pytest.approx(low, abs=TOL)
    assert cuped.effect.difference_ci.upper == pytest.approx(high, abs=TOL)


def test_a_constant_covariate_leaves_the_raw_estimate_unchanged():
    control, treatment = BINARY_CASES[1]
    result = compare_metric(
        "m",
        "binary",
        control,
        treatment,
        control_covariate=np.ones(len(control)),
        treatment_covariate=np.ones(len(treatment)),
    )
    assert result.cuped.theta == 0.0
    assert result.cuped.variance_reduction == pytest.approx(0.0, abs=1e-15)
    assert result.cuped.effect.difference_ci == result.raw.difference_ci
    assert result.cuped.effect.p_value == result.raw.p_value

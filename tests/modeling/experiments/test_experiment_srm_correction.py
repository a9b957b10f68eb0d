"""Sample-ratio check against scipy's chisquare; Holm and BH against statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chisquare
from statsmodels.stats.multitest import multipletests

from modeling.experiments import adjust_p_values, check_sample_ratio

TOL = 1e-9

SRM_CASES = [
    # counts, planned split, srm_ok
    ({"control": 5000, "treatment": 5050}, {"control": 0.5, "treatment": 0.5}, True),
    ({"control": 5000, "treatment": 5400}, {"control": 0.5, "treatment": 0.5}, False),
    ({"control": 2010, "treatment": 7990}, {"control": 20, "treatment": 80}, True),
    ({"a": 3300, "b": 3350, "c": 3100}, {"a": 1, "b": 1, "c": 1}, True),
    ({"a": 3300, "b": 3350, "c": 2900}, {"a": 1, "b": 1, "c": 1}, False),
]


@pytest.mark.parametrize(("counts", "split", "ok"), SRM_CASES)
def test_srm_equals_scipy_chisquare_and_flags_p_below_one_in_a_thousand(counts, split, ok):
    check = check_sample_ratio(counts, split)
    observed = np.array([counts[v] for v in split])
    shares = np.array([split[v] for v in split], dtype=float)
    expected = observed.sum() * shares / shares.sum()
    reference = chisquare(observed, f_exp=expected)
    assert check.statistic == pytest.approx(reference.statistic, abs=TOL)
    assert check.p_value == pytest.approx(reference.pvalue, abs=TOL)
    assert check.srm_ok is ok
    assert check.srm_ok == (reference.pvalue >= 0.001)
    assert check.verdict.startswith("no sample-ratio mismatch") is ok
    assert check.observed == tuple(observed)


def test_srm_verdict_says_the_estimates_must_not_be_trusted():
    check = check_sample_ratio({"control": 5000, "treatment": 5400}, {"control": 1, "treatment": 1})
    assert not check.srm_ok
    assert "must not be trusted" in check.verdict


@pytest.mark.parametrize(
    ("counts", "split", "message"),
    [
        ({"control": 10}, {"control": 1.0}, "at least two variants"),
        ({"control": 10, "treatment": 0}, {"control": 1, "treatment": 1}, "no clients"),
        ({"control": 10}, {"control": 1, "treatment": 1}, "no clients"),
        ({"control": 10, "x": 3}, {"control": 1, "treatment": 1}, "not in the planned split"),
        ({"control": 10, "treatment": 9}, {"control": 1, "treatment": -1}, "positive"),
    ],
)
def test_srm_bad_inputs_raise_a_clear_error(counts, split, message):
    with pytest.raises(ValueError, match=message):
        check_sample_ratio(counts, split)


P_VALUE_SETS = [
    [0.01, 0.04, 0.03, 0.2],
    [0.001, 0.001, 0.5, 0.049, 0.02],
    [0.8, 0.9, 0.95],
    [0.03],
    [0.0, 0.3, 0.012, 0.012, 0.6, 0.04, 0.011],
]


@pytest.mark.parametrize("p_values", P_VALUE_SETS)
@pytest.mark.parametrize(("method", "reference"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_adjusted_p_values_equal_statsmodels_multipletests(p_values, method, reference):
    adjusted = adjust_p_values(p_values, method)
    reject, expected, _, _ = multipletests(p_values, alpha=0.05, method=reference)
    np.testing.assert_allclose(adjusted, expected, rtol=0, atol=TOL)
    assert [p < 0.05 for p in adjusted] == list(reject) or [p <= 0.05 for p in adjusted] == list(
        reject
    )


@pytest.mark.parametrize(
    ("p_values", "message"),
    [([0.1, float("nan")], "NaN"), ([0.1, 1.2], r"\[0, 1\]"), ([[0.1]], "flat")],
)
def test_bad_p_values_raise(p_values, message):
    with pytest.raises(ValueError, match=message):
        adjust_p_values(p_values)


def test_unknown_correction_method_raises():
    with pytest.raises(ValueError, match="correction method"):
        adjust_p_values([0.1], "bonferroni")

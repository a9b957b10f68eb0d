"""Uplift metrics against their published definitions on small hand-computed holdouts."""

from __future__ import annotations

import numpy as np
import pytest

from modeling.uplift.metrics import decile_rates, qini, uplift_at_k, uplift_curve
from modeling.uplift.results import NotEstimable

# Eight clients, distinct scores, arms alternating from the top (T = treated, C = control).
#   rank  1  2  3  4  5  6  7  8
#   arm   T  C  T  C  T  C  T  C
#   y     1  0  1  1  0  0  0  0
SCORE = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
TREATED = [1, 0, 1, 0, 1, 0, 1, 0]
OUTCOME = [1, 0, 1, 1, 0, 0, 0, 0]
# Cumulative (N_T, Y_T, N_C, Y_C) at n = 1..8:
#   n=1 (1,1,0,0)  no control yet: not estimable
#   n=2 (1,1,1,0)  Qini 1 - 0*1/1 = 1        uplift (1/1 - 0/1) * 2 = 2
#   n=3 (2,2,1,0)  Qini 2 - 0*2/1 = 2        uplift (1 - 0) * 3 = 3
#   n=4 (2,2,2,1)  Qini 2 - 1*2/2 = 1        uplift (1 - 1/2) * 4 = 2
#   n=5 (3,2,2,1)  Qini 2 - 1*3/2 = 1/2      uplift (2/3 - 1/2) * 5 = 5/6
#   n=6 (3,2,3,1)  Qini 2 - 1*3/3 = 1        uplift (2/3 - 1/3) * 6 = 2
#   n=7 (4,2,3,1)  Qini 2 - 1*4/3 = 2/3      uplift (1/2 - 1/3) * 7 = 7/6
#   n=8 (4,2,4,1)  Qini 2 - 1*4/4 = 1        uplift (1/2 - 1/4) * 8 = 2
SHARES = np.array([2, 3, 4, 5, 6, 7, 8]) / 8
QINI = [1, 2, 1, 1 / 2, 1, 2 / 3, 1]
UPLIFT = [2, 3, 2, 5 / 6, 2, 7 / 6, 2]


def test_qini_curve_follows_radcliffe_and_starts_where_both_arms_exist():
    result = qini(SCORE, TREATED, OUTCOME)
    np.testing.assert_allclose(result.curve.share, SHARES)
    np.testing.assert_allclose(result.curve.value, QINI)
    assert result.curve.first_estimable_share == 2 / 8


def test_qini_areas_and_coefficient_by_hand():
    result = qini(SCORE, TREATED, OUTCOME)
    # Trapezoids of width 1/8 from x = 2/8 to 1:
    #   (1+2)/2 + (2+1)/2 + (1+1/2)/2 + (1/2+1)/2 + (1+2/3)/2 + (2/3+1)/2 = 37/6 -> 37/48
    assert result.area_under_curve == pytest.approx(37 / 48)
    # Random line from the origin to Q(N) = 1, from x0 = 1/4 to 1: (1 - 1/16) / 2 = 15/32
    assert result.area_under_random == pytest.approx(15 / 32)
    assert result.area_over_random == pytest.approx(37 / 48 - 15 / 32)  # 29/96
    # Perfect ordering, ratio N_T/N_C = 1: contributions +1 +1 (treated responders), five 0,
    # -1 (the control responder): curve 0 1 2 2 2 2 2 2 1, trapezoids / 8 = 13.5/8 = 27/16;
    # minus the random line's 1/2 -> 19/16. Coefficient (29/96) / (19/16) = 29/114.
    assert result.normalised == pytest.approx(29 / 114)


def test_uplift_curve_and_its_area_by_hand():
    result = uplift_curve(SCORE, TREATED, OUTCOME)
    np.testing.assert_allclose(result.curve.share, SHARES)
    np.testing.assert_allclose(result.curve.value, UPLIFT)
    # (2+3)/2 + (3+2)/2 + (2+5/6)/2 + (5/6+2)/2 + (2+7/6)/2 + (7/6+2)/2 = 11, / 8 = 11/8
    assert result.area_under_curve == pytest.approx(11 / 8)
    # Random line to U(N) = 2 from 1/4 to 1: 2 * 15/32 = 15/16; over random 22/16 - 15/16
    assert result.area_over_random == pytest.approx(7 / 16)
    assert isinstance(result.normalised, NotEstimable)


def test_numeric_outcome_scales_the_qini_and_keeps_the_coefficient():
    scaled = qini(SCORE, TREATED, np.array(OUTCOME) * 2.5)
    assert scaled.area_over_random == pytest.approx(2.5 * 29 / 96)
    assert scaled.normalised == pytest.approx(29 / 114)


def test_uplift_at_k_by_hand_and_not_estimable_without_control():
    top1, top2, top4, everyone = uplift_at_k(SCORE, TREATED, OUTCOME, [1 / 8, 2 / 8, 4 / 8, 1])
    # top 1: one treated client, no control -> not estimable, with the reason
    assert isinstance(top1.uplift, NotEstimable)
    assert "no control" in top1.uplift.reason
    assert top1.treated_rate == 1.0 and top1.control_rate == top1.uplift
    assert (top2.treated_rate, top2.control_rate, top2.uplift) == (1.0, 0.0, 1.0)  # 1/1 - 0/1
    assert top4.uplift == pytest.approx(1 - 1 / 2)  # 2/2 - 1/2
    assert everyone.uplift == pytest.approx(2 / 4 - 1 / 4)


# Six clients in two tied groups.
#   score 2: T y=1, C y=0, T y=0   -> group 1: N_T 2, Y_T 1, N_C 1, Y_C 0
#   score 1: C y=1, T y=1, C y=0   -> group 2: N_T 1, Y_T 1, N_C 2, Y_C 1
TIED_SCORE = [2, 2, 2, 1, 1, 1]
TIED_TREATED = [1, 0, 1, 0, 1, 0]
TIED_OUTCOME = [1, 0, 0, 1, 1, 0]


def test_curves_move_only_at_distinct_scores():
    q = qini(TIED_SCORE, TIED_TREATED, TIED_OUTCOME)
    u = uplift_curve(TIED_SCORE, TIED_TREATED, TIED_OUTCOME)
    # n=3 (2,1,1,0): Qini 1 - 0 = 1, uplift (1/2 - 0) * 3 = 3/2
    # n=6 (3,2,3,1): Qini 2 - 1*3/3 = 1, uplift (2/3 - 1/3) * 6 = 2
    np.testing.assert_allclose(q.curve.share, [0.5, 1.0])
    np.testing.assert_allclose(q.curve.value, [1.0, 1.0])
    np.testing.assert_allclose(u.curve.value, [1.5, 2.0])
    # Qini: area 1/2 * (1+1)/2 = 1/2, random 1 * (1 - 1/4)/2 = 3/8 -> 1/8
    assert q.area_over_random == pytest.approx(1 / 8)
    # Perfect: contributions +1 +1 0 0 0 -1 -> curve 0 1 2 2 2 2 1, trapezoids 9.5/6 = 19/12,
    # minus 1/2 -> 13/12; coefficient (1/8) / (13/12) = 3/26
    assert q.normalised == pytest.approx(3 / 26)
    # Uplift: area 1/2 * (3/2 + 2)/2 = 7/8, random 2 * 3/8 = 3/4 -> 1/8
    assert u.area_over_random == pytest.approx(1 / 8)


def test_a_cut_inside_a_tie_takes_the_tied_group_by_its_fraction():
    (one,) = uplift_at_k(TIED_SCORE, TIED_TREATED, TIED_OUTCOME, [1 / 6])
    # One client of the three tied at the top: a third of the group,
    # N_T 2/3, Y_T 1/3, N_C 1/3, Y_C 0 -> rates 1/2 and 0, whichever row comes first.
    assert one.treated == pytest.approx(2 / 3) and one.control == pytest.approx(1 / 3)
    assert one.treated_rate == pytest.approx(1 / 2)
    assert one.control_rate == 0.0
    assert one.uplift == pytest.approx(1 / 2)


def test_permuting_rows_within_ties_changes_nothing():
    rng = np.random.default_rng(3)
    n = 3_000
    score = rng.integers(0, 12, n).astype(float)  # twelve distinct scores, many ties
    treated = rng.random(n) < 0.4
    outcome = (rng.random(n) < 0.1 + 0.02 * score * treated).astype(int)
    # Reorder rows so that tied rows change their order (and the groups their position).
    order = np.lexsort((rng.random(n), score))
    results = []
    for rows in (np.arange(n), order, order[::-1]):
        args = (score[rows], treated[rows], outcome[rows])
        results.append((qini(*args), uplift_curve(*args), uplift_at_k(*args), decile_rates(*args)))
    for q, u, k, d in results[1:]:
        for mine, first in ((q, results[0][0]), (u, results[0][1])):
            np.testing.assert_array_equal(mine.curve.share, first.curve.share)
            np.testing.assert_allclose(mine.curve.value, first.curve.value, rtol=0, atol=1e-12)
            assert mine.area_over_random == pytest.approx(first.area_over_random, abs=1e-12)
        assert q.normalised == pytest.approx(results[0][0].normalised, abs=1e-12)
        assert k == results[0][2]
        assert d == results[0][3]
    assert len(results[0][0].curve.share) <= 12


def test_decile_rates_by_hand():
    # Twenty clients, distinct scores from the top; decile d holds one treated client (y_t)
    # and one control client (y_c), so its rates are exactly those outcomes.
    y_t = [1, 1, 1, 0, 1, 0, 0, 1, 0, 0]
    y_c = [0, 1, 0, 0, 0, 1, 0, 0, 0, 1]
    score = np.arange(20, 0, -1)
    treated = np.tile([1, 0], 10)
    outcome = np.ravel(np.column_stack([y_t, y_c]))
    rates = decile_rates(score, treated, outcome).deciles
    assert [r.decile for r in rates] == list(range(1, 11))
    assert [r.treated_rate for r in rates] == y_t
    assert [r.control_rate for r in rates] == y_c
    assert [r.uplift for r in rates] == [a - b for a, b in zip(y_t, y_c, strict=True)]
    assert all(r.treated == 1 and r.control == 1 for r in rates)


def test_a_decile_with_one_arm_is_not_estimable():
    # Ten clients: each decile is one client, so one of its rates is missing.
    rates = decile_rates(np.arange(10), np.tile([1, 0], 5), np.ones(10)).deciles
    for r in rates:
        assert isinstance(r.uplift, NotEstimable)
        missing = r.control_rate if r.treated == 1 else r.treated_rate
        assert isinstance(missing, NotEstimable)
        assert r.treated_rate == 1.0 or r.control_rate == 1.0


def randomised_holdout(n: int, seed: int):
    rng = np.random.default_rng(seed)
    treated = rng.random(n) < 0.5
    outcome = (rng.random(n) < np.where(treated, 0.3, 0.1)).astype(int)
    return rng, treated, outcome


def test_a_score_that_encodes_the_treatment_is_refused():
    rng, treated, outcome = randomised_holdout(2_000, seed=11)
    score = treated + rng.uniform(0, 0.5, len(treated))  # every treated client ranks first
    for result in (qini(score, treated, outcome), uplift_curve(score, treated, outcome)):
        for value in (result.area_over_random, result.normalised, result.area_under_curve):
            assert isinstance(value, NotEstimable)
            assert "encodes who was treated" in value.reason
        # No curve point is filled in over the treated-only top: it starts after it.
        assert result.curve.first_estimable_share > treated.mean()
    (top,) = uplift_at_k(score, treated, outcome, [0.3])
    assert isinstance(top.uplift, NotEstimable) and "no control" in top.uplift.reason


def test_a_score_independent_of_treatment_is_not_refused():
    rng, treated, outcome = randomised_holdout(2_000, seed=11)
    result = qini(rng.random(len(treated)), treated, outcome)
    assert isinstance(result.area_over_random, float)
    assert abs(result.normalised) < 0.2  # a random score earns little of the perfect area


@pytest.mark.parametrize(
    ("score", "treated", "outcome", "message"),
    [
        ([0.1, 0.2], [1, 0, 1], [0, 1], "same length"),
        ([], [], [], "no clients"),
        ([0.1, np.nan, 0.3], [1, 0, 1], [0, 1, 0], "score has 1 NaN"),
        ([0.1, 0.2, 0.3], [1, 1, 1], [0, 1, 0], "only one value"),
        ([0.1, 0.2, 0.3], [0, 0, 0], [0, 1, 0], "only one value"),
        ([0.1, 0.2, 0.3], [1, 2, 0], [0, 1, 0], "treated must be boolean or 0/1"),
        ([0.1, 0.2, 0.3], ["a", "b", "a"], [0, 1, 0], "treated must be boolean or 0/1"),
        ([0.1, 0.2, 0.3], [1, 0, 1], [0, np.inf, 0], "outcome has 1 NaN or infinite"),
        (["x", "y", "z"], [1, 0, 1], [0, 1, 0], "score must be numeric"),
    ],
)
def test_bad_input_raises_a_clear_value_error(score, treated, outcome, message):
    for metric in (qini, uplift_curve, uplift_at_k, decile_rates):
        with pytest.raises(ValueError, match=message):
            metric(score, treated, outcome)


def test_shares_outside_zero_to_one_are_refused():
    with pytest.raises(ValueError, match="share must be in"):
        uplift_at_k(SCORE, TREATED, OUTCOME, [0.0])

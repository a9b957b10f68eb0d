"""Planning numbers satisfy statsmodels' power equation (NormalIndPower) to 1e-9."""

from __future__ import annotations

import pytest
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from modeling.experiments import plan_two_means, plan_two_proportions

TOL = 1e-9
POWER = NormalIndPower()

PROPORTION_CASES = [
    # baseline, relative MDE, alpha, power, treatment share
    (0.05, 0.12, 0.05, 0.8, 0.5),
    (0.30, -0.05, 0.05, 0.9, 0.5),
    (0.02, 0.25, 0.01, 0.8, 0.2),
    (0.50, 0.03, 0.1, 0.95, 0.7),
]


@pytest.mark.parametrize(("baseline", "mde", "alpha", "power", "share"), PROPORTION_CASES)
def test_clients_for_a_proportion_mde_reach_the_power_in_statsmodels(
    baseline, mde, alpha, power, share
):
    plan = plan_two_proportions(
        baseline, relative_mde=mde, alpha=alpha, power=power, treatment_share=share
    )
    effect = proportion_effectsize(baseline * (1 + mde), baseline)
    ratio = share / (1 - share)
    assert plan.effect_size == pytest.approx(effect, abs=TOL)
    assert plan.treatment_clients / plan.control_clients == pytest.approx(ratio, rel=TOL)
    achieved = POWER.power(effect, nobs1=plan.control_clients, alpha=alpha, ratio=ratio)
    assert achieved == pytest.approx(power, abs=TOL)
    solved = POWER.solve_power(effect, nobs1=None, alpha=alpha, power=power, ratio=ratio)
    # statsmodels' own root finder stops at a looser tolerance than its power equation.
    assert plan.control_clients == pytest.approx(solved, rel=1e-6)
    assert plan.mde_absolute == pytest.approx(baseline * mde, abs=1e-15)


@pytest.mark.parametrize(("baseline", "mde", "alpha", "power", "share"), PROPORTION_CASES)
def test_mde_of_a_size_round_trips_and_matches_statsmodels(baseline, mde, alpha, power, share):
    sized = plan_two_proportions(
        baseline, relative_mde=mde, alpha=alpha, power=power, treatment_share=share
    )
    plan = plan_two_proportions(
        baseline, total_clients=sized.control_clients + sized.treatment_clients,
        alpha=alpha, power=power, treatment_share=share,
    )  # fmt: skip
    if mde > 0:  # a negative MDE plans the same size; the size's MDE is the positive one
        assert plan.mde_relative == pytest.approx(mde, rel=1e-9)
    ratio = share / (1 - share)
    achieved = POWER.power(plan.effect_size, nobs1=plan.control_clients, alpha=alpha, ratio=ratio)
    assert achieved == pytest.approx(power, abs=TOL)
    solved = POWER.solve_power(
        None, nobs1=plan.control_clients, alpha=alpha, power=power, ratio=ratio
    )
    # statsmodels' effect-size search stops early (its own power there is off by ~1e-5).
    assert plan.effect_size == pytest.approx(solved, rel=1e-4)


def test_both_given_reports_the_power_statsmodels_computes():
    plan = plan_two_proportions(0.05, relative_mde=0.12, total_clients=40_000)
    effect = proportion_effectsize(0.056, 0.05)
    assert plan.power == pytest.approx(
        POWER.power(effect, nobs1=20_000, alpha=0.05, ratio=1.0), abs=TOL
    )
    assert plan.total_clients == 40_000


@pytest.mark.parametrize(
    ("mean", "sd", "mde", "alpha", "power", "share"),
    [(10.0, 25.0, 0.05, 0.05, 0.8, 0.5), (1.7, 9.0, 0.12, 0.01, 0.9, 0.3)],
)
def test_means_use_cohens_d_in_statsmodels_power(mean, sd, mde, alpha, power, share):
    plan = plan_two_means(
        mean, sd, relative_mde=mde, alpha=alpha, power=power, treatment_share=share
    )
    ratio = share / (1 - share)
    assert plan.effect_size == pytest.approx(mean * mde / sd, abs=TOL)
    achieved = POWER.power(plan.effect_size, nobs1=plan.control_clients, alpha=alpha, ratio=ratio)
    assert achieved == pytest.approx(power, abs=TOL)
    back = plan_two_means(
        mean, sd, total_clients=plan.control_clients + plan.treatment_clients,
        alpha=alpha, power=power, treatment_share=share,
    )  # fmt: skip
    assert back.mde_relative == pytest.approx(mde, rel=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"baseline_rate": 1.2, "relative_mde": 0.1}, "baseline_rate"),
        ({"baseline_rate": 0.1}, "give relative_mde"),
        ({"baseline_rate": 0.1, "relative_mde": 0.1, "power": 0.01}, "must exceed alpha"),
        ({"baseline_rate": 0.9, "relative_mde": 0.2}, "not in"),
        ({"baseline_rate": 0.1, "relative_mde": 0.1, "treatment_share": 1.0}, "treatment_share"),
    ],
)
def test_bad_plans_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plan_two_proportions(**kwargs)

"""Planning: clients needed for a minimum detectable effect, or the effect a size can detect.

The power equation is the two-sided normal test's, both tails counted, as
statsmodels.stats.power.NormalIndPower solves it: power = P(Z > z - s) + P(Z < -z - s),
with s = |effect size| * sqrt(n_c * n_t / (n_c + n_t)). Two proportions use Cohen's h
(the arcsine transform, 2 asin sqrt(p_t) - 2 asin sqrt(p_c)), which makes their variance
free of the rate; two means use Cohen's d (difference over the standard deviation).
Give the relative MDE to get the clients, the total clients to get the MDE, or both to
get the power they achieve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import optimize
from scipy import stats as scipy_stats


@dataclass(frozen=True)
class PowerPlan:
    """A test's plan: error rates, allocation, effect and clients (exact, not rounded)."""

    kind: Literal["proportions", "means"]
    alpha: float
    power: float
    treatment_share: float
    baseline: float  # control's rate or mean
    standard_deviation: float | None  # means only
    effect_size: float  # Cohen's h or d
    mde_absolute: float
    mde_relative: float
    control_clients: float
    treatment_clients: float

    @property
    def total_clients(self) -> int:
        """Clients to enrol: each arm rounded up."""
        return math.ceil(self.control_clients - 1e-9) + math.ceil(self.treatment_clients - 1e-9)


def plan_two_proportions(
    baseline_rate: float,
    *,
    relative_mde: float | None = None,
    total_clients: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    treatment_share: float = 0.5,
) -> PowerPlan:
    """Plan a conversion test against `baseline_rate`; see the module for what is solved."""
    if not 0.0 < baseline_rate < 1.0:
        raise ValueError(f"baseline_rate must lie in (0, 1), not {baseline_rate}")
    _check_common(alpha, power, treatment_share, relative_mde, total_clients)
    arcsine_c = math.asin(math.sqrt(baseline_rate))
    if relative_mde is not None:
        rate_t = baseline_rate * (1 + relative_mde)
        if not 0.0 < rate_t < 1.0:
            raise ValueError(f"the treated rate {rate_t} implied by the MDE is not in (0, 1)")
        effect_size = 2 * math.asin(math.sqrt(rate_t)) - 2 * arcsine_c
    else:
        effect_size = _effect_size_for(total_clients, alpha, power, treatment_share)
        if arcsine_c + effect_size / 2 >= math.pi / 2:
            raise ValueError("no treated rate below 1 is detectable with so few clients")
        rate_t = math.sin(arcsine_c + effect_size / 2) ** 2
    return _plan(
        "proportions", alpha, power, treatment_share, baseline_rate, None,
        effect_size, rate_t - baseline_rate, total_clients,
    )  # fmt: skip


def plan_two_means(
    baseline_mean: float,
    standard_deviation: float,
    *,
    relative_mde: float | None = None,
    total_clients: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    treatment_share: float = 0.5,
) -> PowerPlan:
    """Plan a numeric-metric test; the standard deviation is per client, as in the control."""
    if baseline_mean == 0.0 or not math.isfinite(baseline_mean):
        raise ValueError(f"baseline_mean must be finite and non-zero, not {baseline_mean}")
    if not standard_deviation > 0.0:
        raise ValueError(f"standard_deviation must be positive, not {standard_deviation}")
    _check_common(alpha, power, treatment_share, relative_mde, total_clients)
    if relative_mde is not None:
        effect_size = relative_mde * baseline_mean / standard_deviation
    else:
        effect_size = _effect_size_for(total_clients, alpha, power, treatment_share)
    return _plan(
        "means", alpha, power, treatment_share, baseline_mean, standard_deviation,
        effect_size, effect_size * standard_deviation, total_clients,
    )  # fmt: skip


def achieved_power(effect_size: float, effective_clients: float, alpha: float) -> float:
    """Two-sided power at `effect_size` with n_c * n_t / (n_c + n_t) effective clients."""
    shift = abs(effect_size) * math.sqrt(effective_clients)
    z = scipy_stats.norm.isf(alpha / 2)
    return float(scipy_stats.norm.sf(z - shift) + scipy_stats.norm.cdf(-z - shift))


def _check_common(alpha, power, share, relative_mde, total_clients) -> None:
    for name, value in (("alpha", alpha), ("power", power), ("treatment_share", share)):
        if not 0.0 < value < 1.0:
            raise ValueError(f"{name} must lie in (0, 1), not {value}")
    if power <= alpha:
        raise ValueError(f"power ({power}) must exceed alpha ({alpha})")
    if relative_mde is None and total_clients is None:
        raise ValueError("give relative_mde, total_clients or both")
    if relative_mde is not None and (relative_mde == 0.0 or not math.isfinite(relative_mde)):
        raise ValueError(f"relative_mde must be finite and non-zero, not {relative_mde}")
    if total_clients is not None and not total_clients > 2:
        raise ValueError(f"total_clients must exceed 2, not {total_clients}")


def _effective_share(share: float) -> float:
    """n_c * n_t / (n_c + n_t) per enrolled client."""
    return share * (1 - share)


def _required_shift(alpha: float, power: float) -> float:
    """The s = |h| * sqrt(n_eff) at which the two-sided test reaches `power`."""
    z = scipy_stats.norm.isf(alpha / 2)
    start = z + scipy_stats.norm.isf(1 - power)  # one tail only: a lower bound
    upper = max(start, 0.0) + 10.0
    return optimize.brentq(
        lambda s: scipy_stats.norm.sf(z - s) + scipy_stats.norm.cdf(-z - s) - power,
        0.0,
        upper,
        xtol=1e-15,
        rtol=4 * 2.220446049250313e-16,
    )


def _effect_size_for(total_clients: float, alpha: float, power: float, share: float) -> float:
    return _required_shift(alpha, power) / math.sqrt(total_clients * _effective_share(share))


def _plan(kind, alpha, power, share, baseline, sd, effect_size, mde_absolute, total_clients):
    if total_clients is None:
        effective = (_required_shift(alpha, power) / effect_size) ** 2
        total = effective / _effective_share(share)
    else:
        total = float(total_clients)
        power = achieved_power(effect_size, total * _effective_share(share), alpha)
    return PowerPlan(
        kind=kind,
        alpha=alpha,
        power=power,
        treatment_share=share,
        baseline=baseline,
        standard_deviation=sd,
        effect_size=effect_size,
        mde_absolute=mde_absolute,
        mde_relative=mde_absolute / baseline,
        control_clients=total * (1 - share),
        treatment_clients=total * share,
    )

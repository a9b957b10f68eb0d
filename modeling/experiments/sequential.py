"""Sequential monitoring: daily looks at a running test without inflating false positives.

Method: the mixture sequential probability ratio test (mSPRT) with a normal mixture, as
in Johari, Pekelis and Walsh, "Always valid inference" (2017); GrowthBook's and Eppo's
sequential modes belong to the same family. At each look the estimated difference d
(variance V) is compared with zero through the likelihood ratio integrated over a normal
prior N(0, tau^2) on the true difference:

    Lambda = sqrt(V / (V + tau^2)) * exp(d^2 tau^2 / (2 V (V + tau^2)))

Under no effect Lambda is a nonnegative martingale with mean 1, so by Ville's inequality
the chance that it ever exceeds 1 / alpha, at any look and any number of looks, is at
most alpha. The always-valid p-value is the running minimum of min(1, 1 / Lambda); the
confidence sequence is the running intersection of the intervals {theta : Lambda(theta)
< 1 / alpha}, each d +- sqrt(V (V + tau^2) / tau^2 * (2 log(1 / alpha) + log((V + tau^2) / V))).
Why this one: it needs no plan of how many looks there will be or when, unlike group
sequential boundaries; the price is wider intervals than a single fixed-horizon look,
and, over a finite run of looks, a false-positive rate below alpha (Ville's bound is
reached only by continuous monitoring without end).

Tuning: the mixture variance tau^2 sets the effect sizes the test is quickest to catch.
It is set to r * V_N, where V_N is the variance of the difference at the planned final
sample (estimated at each look as V * n / N) and r = 2 log(1/alpha) + log(1 + 2 log(1/alpha))
(7.94 at alpha = 0.05), the choice of Howard et al. (2021) that GrowthBook also uses:
it makes the confidence sequence nearly the narrowest possible at the planned horizon,
so the decision that matters most, at the end, loses the least against a fixed test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from modeling.experiments.stats import Effect, Interval


@dataclass(frozen=True)
class SequentialLook:
    """One look: the running always-valid p-value and confidence sequence up to it."""

    clients: int
    difference: float
    standard_error: float
    mixture_variance: float
    p_value: float
    confidence_sequence: Interval


@dataclass(frozen=True)
class SequentialResult:
    """Every look in order; the last one's p-value and interval are the current verdict."""

    alpha: float
    planned_clients: int
    looks: tuple[SequentialLook, ...]

    @property
    def p_value(self) -> float:
        return self.looks[-1].p_value

    @property
    def confidence_sequence(self) -> Interval:
        return self.looks[-1].confidence_sequence

    @property
    def rejected(self) -> bool:
        """True once the always-valid p-value has fallen below alpha, at any look."""
        return self.p_value < self.alpha


def horizon_ratio(alpha: float) -> float:
    """r in tau^2 = r * V_N: the ratio that makes the sequence tightest at the horizon."""
    log_term = 2 * math.log(1 / alpha)
    return log_term + math.log(1 + log_term)


def mixture_p_value(difference: float, variance: float, mixture_variance: float) -> float:
    """min(1, 1 / Lambda) at one look: valid however many such looks are taken."""
    total = variance + mixture_variance
    log_lambda = 0.5 * math.log(variance / total) + (
        difference**2 * mixture_variance / (2 * variance * total)
    )
    return min(1.0, math.exp(-log_lambda))


def mixture_half_width(variance: float, mixture_variance: float, alpha: float) -> float:
    """Half-width of the look's interval {theta : Lambda(theta) < 1 / alpha}."""
    total = variance + mixture_variance
    return math.sqrt(
        variance * total / mixture_variance * (2 * math.log(1 / alpha) + math.log(total / variance))
    )


def monitor(looks: Sequence[Effect], planned_clients: int, alpha: float = 0.05) -> SequentialResult:
    """Always-valid inference over cumulative looks (each an Effect on all clients so far)."""
    if not looks:
        raise ValueError("sequential monitoring needs at least one look")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1), not {alpha}")
    if planned_clients < 2:
        raise ValueError(f"planned_clients must be at least 2, not {planned_clients}")
    ratio = horizon_ratio(alpha)
    p_value, lower, upper = 1.0, -math.inf, math.inf
    results = []
    previous_clients = 0
    for effect in looks:
        if effect.clients < previous_clients:
            raise ValueError("looks must be cumulative: clients may not decrease")
        previous_clients = effect.clients
        variance = effect.standard_error**2
        tau2 = ratio * variance * effect.clients / planned_clients
        p_value = min(p_value, mixture_p_value(effect.difference, variance, tau2))
        half = mixture_half_width(variance, tau2, alpha)
        lower = max(lower, effect.difference - half)
        upper = min(upper, effect.difference + half)
        results.append(
            SequentialLook(
                clients=effect.clients,
                difference=effect.difference,
                standard_error=effect.standard_error,
                mixture_variance=tau2,
                p_value=p_value,
                confidence_sequence=Interval(lower, upper),
            )
        )
    return SequentialResult(alpha=alpha, planned_clients=planned_clients, looks=tuple(results))

"""One metric, one variant against control: raw and CUPED-adjusted estimates.

Each arm is summarised by its clients, mean and variance (a binary metric's variance is
p(1 - p), a numeric metric's the sample variance with n - 1). The absolute difference
gets a normal (binary) or Welch (numeric, Satterthwaite degrees of freedom) interval and
a two-sided p-value from the same statistic, so the interval excludes zero exactly when
p < alpha. The relative lift (treatment / control - 1) gets a normal interval by the
delta method, the arms being independent.

CUPED subtracts theta * (covariate - its mean over both arms) from every client's metric.
Theta is pooled over both arms, as GrowthBook does: the within-arm covariance of metric
and covariate summed over the arms, over the within-arm variance of the covariate summed
the same way (the common slope of an ANCOVA, metric ~ arm + covariate). A covariate
measured before assignment is independent of the arm, so the adjustment changes the
variance of the estimate, not its target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

from modeling.experiments.inputs import MetricKind, covariate_values, metric_values


@dataclass(frozen=True)
class Interval:
    """A two-sided confidence interval."""

    lower: float
    upper: float

    def contains(self, value: float) -> bool:
        return self.lower <= value <= self.upper


@dataclass(frozen=True)
class VariantEstimate:
    """One arm of one metric: clients, mean (the rate for a binary metric) and its error."""

    variant: str
    clients: int
    mean: float
    variance: float
    standard_error: float


@dataclass(frozen=True)
class Effect:
    """Treatment against control: absolute difference and relative lift, with intervals."""

    control: VariantEstimate
    treatment: VariantEstimate
    difference: float
    difference_ci: Interval
    standard_error: float
    relative_lift: float
    relative_lift_ci: Interval
    p_value: float
    degrees_of_freedom: float | None  # None: normal reference distribution

    @property
    def clients(self) -> int:
        return self.control.clients + self.treatment.clients


@dataclass(frozen=True)
class CupedAdjustment:
    """The CUPED-adjusted effect, its theta and the share of the variance it removed."""

    theta: float
    variance_reduction: float  # 1 - var(adjusted difference) / var(raw difference)
    effect: Effect


@dataclass(frozen=True)
class MetricComparison:
    """One metric for one variant against control; p_value_adjusted is set across metrics."""

    metric: str
    kind: MetricKind
    alpha: float
    raw: Effect
    cuped: CupedAdjustment | None = None
    p_value_adjusted: float | None = None

    @property
    def variant(self) -> str:
        return self.raw.treatment.variant

    @property
    def primary(self) -> Effect:
        """The effect the decision rests on: CUPED-adjusted when a covariate was given."""
        return self.cuped.effect if self.cuped is not None else self.raw

    @property
    def significant(self) -> bool:
        p = self.p_value_adjusted if self.p_value_adjusted is not None else self.primary.p_value
        return p < self.alpha


@dataclass(frozen=True)
class _Arm:
    clients: int
    mean: float
    deviations: np.ndarray  # metric minus its arm mean


def compare_metric(
    metric: str,
    kind: MetricKind,
    control: object,
    treatment: object,
    *,
    control_covariate: object | None = None,
    treatment_covariate: object | None = None,
    control_name: str = "control",
    treatment_name: str = "treatment",
    alpha: float = 0.05,
) -> MetricComparison:
    """Compare per-client `treatment` values against `control` (raw, and CUPED if given)."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1), not {alpha}")
    ddof = 0 if kind == "binary" else 1
    y_c = metric_values(control, metric, control_name, kind)
    y_t = metric_values(treatment, metric, treatment_name, kind)
    arm_c, arm_t = _arm(y_c), _arm(y_t)
    raw = _effect(
        metric,
        kind,
        alpha,
        _estimate(control_name, arm_c.clients, arm_c.mean, _ss(arm_c.deviations), ddof),
        _estimate(treatment_name, arm_t.clients, arm_t.mean, _ss(arm_t.deviations), ddof),
    )
    if (control_covariate is None) != (treatment_covariate is None):
        raise ValueError(f"metric {metric!r}: give the covariate for both arms or for neither")
    cuped = None
    if control_covariate is not None:
        x_c = covariate_values(control_covariate, metric, control_name, arm_c.clients)
        x_t = covariate_values(treatment_covariate, metric, treatment_name, arm_t.clients)
        cuped = _cuped(metric, kind, alpha, ddof, raw, (arm_c, x_c), (arm_t, x_t))
    return MetricComparison(metric=metric, kind=kind, alpha=alpha, raw=raw, cuped=cuped)


def _arm(values: np.ndarray) -> _Arm:
    mean = float(np.mean(values))
    return _Arm(clients=values.size, mean=mean, deviations=values - mean)


def _ss(deviations: np.ndarray) -> float:
    return float(np.dot(deviations, deviations))


def _estimate(variant: str, clients: int, mean: float, ss: float, ddof: int) -> VariantEstimate:
    variance = ss / (clients - ddof)
    return VariantEstimate(variant, clients, mean, variance, float(np.sqrt(variance / clients)))


def _cuped(
    metric: str,
    kind: MetricKind,
    alpha: float,
    ddof: int,
    raw: Effect,
    control: tuple[_Arm, np.ndarray],
    treatment: tuple[_Arm, np.ndarray],
) -> CupedAdjustment:
    sums = []
    for arm, x in (control, treatment):
        x_mean = float(np.mean(x))
        dx = x - x_mean
        sums.append((x_mean, float(np.dot(dx, dx)), float(np.dot(arm.deviations, dx))))
    ss_x = sums[0][1] + sums[1][1]
    # A constant covariate explains nothing: theta 0 leaves the raw estimate unchanged.
    theta = (sums[0][2] + sums[1][2]) / ss_x if ss_x > 0 else 0.0
    n_c, n_t = control[0].clients, treatment[0].clients
    x_pooled = (n_c * sums[0][0] + n_t * sums[1][0]) / (n_c + n_t)
    arms = []
    for (arm, _), (x_mean, ss_x_arm, sp_arm), estimate in zip(
        (control, treatment), sums, (raw.control, raw.treatment), strict=True
    ):
        ss_adjusted = max(_ss(arm.deviations) - 2 * theta * sp_arm + theta**2 * ss_x_arm, 0.0)
        mean = arm.mean - theta * (x_mean - x_pooled)
        arms.append(_estimate(estimate.variant, arm.clients, mean, ss_adjusted, ddof))
    effect = _effect(metric, kind, alpha, arms[0], arms[1])
    reduction = 1.0 - effect.standard_error**2 / raw.standard_error**2
    return CupedAdjustment(theta=theta, variance_reduction=reduction, effect=effect)


def _effect(
    metric: str,
    kind: MetricKind,
    alpha: float,
    control: VariantEstimate,
    treatment: VariantEstimate,
) -> Effect:
    v_c = control.standard_error**2
    v_t = treatment.standard_error**2
    if v_c + v_t == 0.0:
        raise ValueError(
            f"metric {metric!r} has no variance in either arm: every client has the same "
            "value, so no test is possible"
        )
    if control.mean == 0.0:
        raise ValueError(
            f"metric {metric!r}: the control mean is zero, so the relative lift is undefined"
        )
    difference = treatment.mean - control.mean
    standard_error = float(np.sqrt(v_c + v_t))
    statistic = difference / standard_error
    z = float(scipy_stats.norm.isf(alpha / 2))
    if kind == "binary":
        df = None
        critical = z
        p_value = float(2 * scipy_stats.norm.sf(abs(statistic)))
    else:
        df = (v_c + v_t) ** 2 / (v_c**2 / (control.clients - 1) + v_t**2 / (treatment.clients - 1))
        critical = float(scipy_stats.t.isf(alpha / 2, df))
        p_value = float(2 * scipy_stats.t.sf(abs(statistic), df))
    lift = treatment.mean / control.mean - 1.0
    # Delta method for m_t / m_c: gradient (1 / m_c, -m_t / m_c^2), independent arms.
    lift_se = float(np.sqrt(v_t / control.mean**2 + treatment.mean**2 * v_c / control.mean**4))
    return Effect(
        control=control,
        treatment=treatment,
        difference=difference,
        difference_ci=Interval(
            difference - critical * standard_error, difference + critical * standard_error
        ),
        standard_error=standard_error,
        relative_lift=lift,
        relative_lift_ci=Interval(lift - z * lift_se, lift + z * lift_se),
        p_value=p_value,
        degrees_of_freedom=df,
    )

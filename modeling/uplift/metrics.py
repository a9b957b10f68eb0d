"""Point estimates of uplift metrics on a randomised holdout.

Definitions, at the top-n clients by score (Radcliffe 2007; Gutierrez and Gerardy 2017):
  Qini curve    Q(n) = Y_T(n) - Y_C(n) * N_T(n) / N_C(n)
  uplift curve  U(n) = (Y_T(n) / N_T(n) - Y_C(n) / N_C(n)) * (N_T(n) + N_C(n))
  uplift@k      Y_T / N_T - Y_C / N_C among the top share k
where N_* count clients and Y_* sum outcomes of each arm. Outcomes may be 0/1 or numeric.

Ties: the curves have one point per distinct score (equal scores enter together), and a
top-k or decile cut inside a tie takes the tied group by the fraction that fits, so no
result depends on row order.

Not estimable: a point, top-k or decile without treated or without control clients has no
value; it is left out of the curve (never interpolated, never given a rate of 0) and
reported as NotEstimable. Because cumulative counts only grow, those points form a prefix
of the curve. Under randomisation an honest score is independent of the treatment, so
that prefix is short; a score that encodes who was treated (say score = treated + noise)
puts one arm first and makes a long one. The curve areas are therefore refused when the
one-arm prefix is longer than a score independent of treatment would produce with
probability `prefix_alpha` (default 1e-3); otherwise they are integrated over the
estimable points. Refusing, rather than scoring such a score as random, is the choice
made here: it names the leak instead of hiding it behind an unremarkable number.

Normalisation: `area_over_random` subtracts the random ordering's line (origin to the
curve's end). The Qini curve's `normalised` value is Radcliffe's Qini coefficient, that
excess divided by the perfect ordering's excess, where the perfect ordering's curve uses
the overall arm ratio N_T / N_C (at the top of a perfect ordering one arm is empty, so
the running ratio is undefined there): clients sorted by their contribution, y for a
treated client and -y * N_T / N_C for a control one, highest first. The uplift curve has
no perfect ordering with a closed form under these rules, so its `normalised` is
NotEstimable and its excess over random is the figure to compare.
"""

from __future__ import annotations

import math

import numpy as np

from modeling.uplift.cumulative import (
    ArmSums,
    CutSums,
    areas,
    cumulative_sums,
    cut_at_shares,
    draw_table,
    qini_values,
    uplift_values,
)
from modeling.uplift.holdout import RankedHoldout, rank_holdout
from modeling.uplift.results import (
    CurveResult,
    DecileRate,
    DecileRates,
    Estimate,
    NotEstimable,
    UpliftAtK,
    UpliftCurve,
)

DEFAULT_SHARES = (0.05, 0.1, 0.2, 0.3, 0.5)
PREFIX_ALPHA = 1e-3
DECILES = 10
NO_PERFECT_UPLIFT = "the uplift curve has no perfect ordering to normalise against"


def qini(score, treated, outcome, *, prefix_alpha: float = PREFIX_ALPHA) -> CurveResult:
    """Qini curve, its areas and Qini coefficient (see the module docstring)."""
    holdout = rank_holdout(score, treated, outcome)
    return curve_result("qini", holdout, holdout_sums(holdout), prefix_alpha)


def uplift_curve(score, treated, outcome, *, prefix_alpha: float = PREFIX_ALPHA) -> CurveResult:
    """Uplift curve and its areas; normalised against random only (see the module docstring)."""
    holdout = rank_holdout(score, treated, outcome)
    return curve_result("uplift", holdout, holdout_sums(holdout), prefix_alpha)


def uplift_at_k(score, treated, outcome, shares=DEFAULT_SHARES) -> tuple[UpliftAtK, ...]:
    """Treated minus control response rate among the top share of clients, for each share."""
    holdout = rank_holdout(score, treated, outcome)
    cuts = cut_at_shares(holdout_sums(holdout), check_shares(shares))
    results = []
    for i, share in enumerate(check_shares(shares)):
        treated_rate, control_rate, uplift = arm_rates(cuts, i, f"the top {share:.1%}")
        results.append(
            UpliftAtK(
                share=float(share),
                clients=float(cuts.n_t[0, i] + cuts.n_c[0, i]),
                treated=float(cuts.n_t[0, i]),
                control=float(cuts.n_c[0, i]),
                treated_rate=treated_rate,
                control_rate=control_rate,
                uplift=uplift,
            )
        )
    return tuple(results)


def decile_rates(score, treated, outcome) -> DecileRates:
    """Response rates of treated and control clients in each score decile, top first."""
    holdout = rank_holdout(score, treated, outcome)
    cuts = decile_sums(holdout_sums(holdout))
    rows = []
    for d in range(DECILES):
        treated_rate, control_rate, uplift = arm_rates(cuts, d, f"decile {d + 1}")
        rows.append(
            DecileRate(
                decile=d + 1,
                share_from=d / DECILES,
                share_to=(d + 1) / DECILES,
                treated=float(cuts.n_t[0, d]),
                control=float(cuts.n_c[0, d]),
                treated_rate=treated_rate,
                control_rate=control_rate,
                uplift=uplift,
            )
        )
    return DecileRates(tuple(rows))


def holdout_sums(holdout: RankedHoldout) -> ArmSums:
    """Cumulative ArmSums of the holdout itself: every client drawn once (a single row)."""
    return cumulative_sums(draw_table(holdout), np.arange(holdout.clients)[None, :])


def check_shares(shares) -> np.ndarray:
    """Shares as an array, each in (0, 1]."""
    array = np.atleast_1d(np.asarray(shares, dtype=np.float64))
    if array.ndim != 1 or len(array) == 0:
        raise ValueError("shares must be a non-empty list of population shares")
    if ((array <= 0) | (array > 1) | ~np.isfinite(array)).any():
        raise ValueError(f"each share must be in (0, 1], got {array.tolist()}")
    return array


def decile_sums(sums: ArmSums) -> CutSums:
    """Sums within each decile (columns 0..9, top decile first)."""
    return cut_at_shares(sums, np.linspace(0.0, 1.0, DECILES + 1)).between()


def arm_rates(sums: CutSums, column: int, where: str) -> tuple[Estimate, Estimate, Estimate]:
    """Treated rate, control rate and their difference in one column of the point sums."""
    n_t, n_c = sums.n_t[0, column], sums.n_c[0, column]
    treated = float(sums.y_t[0, column] / n_t) if n_t > 0 else None
    control = float(sums.y_c[0, column] / n_c) if n_c > 0 else None
    if treated is None or control is None:
        missing = " and ".join(
            arm for arm, rate in (("treated", treated), ("control", control)) if rate is None
        )
        reason = NotEstimable(f"{where} has no {missing} clients")
        return (
            reason if treated is None else treated,
            reason if control is None else control,
            reason,
        )
    return treated, control, treated - control


def curve_result(
    kind: str, holdout: RankedHoldout, sums: ArmSums, prefix_alpha: float
) -> CurveResult:
    """The curve of `kind` ("qini" or "uplift") and its areas from the point sums."""
    values = (qini_values if kind == "qini" else uplift_values)(sums)
    area = areas(values, sums)
    first = int(sums.first[0])
    share = sums.population[0] / holdout.clients
    curve = UpliftCurve(
        kind=kind,
        share=_frozen(share[first:]),
        value=_frozen(values[0, first:]),
        clients=holdout.clients,
        first_estimable_share=float(area.first_share[0]),
    )
    refusal = treatment_encoding(holdout, sums, prefix_alpha)
    if refusal is not None:
        return CurveResult(curve, refusal, refusal, refusal, refusal)
    over_random = float(area.over_random[0])
    if kind == "qini":
        perfect = perfect_qini_over_random(holdout)
        normalised: Estimate = (
            over_random / perfect
            if perfect > 0
            else NotEstimable("the perfect ordering gains nothing over random")
        )
    else:
        normalised = NotEstimable(NO_PERFECT_UPLIFT)
    return CurveResult(
        curve=curve,
        area_under_curve=float(area.under_curve[0]),
        area_under_random=float(area.under_random[0]),
        area_over_random=over_random,
        normalised=normalised,
    )


def treatment_encoding(
    holdout: RankedHoldout, sums: ArmSums, prefix_alpha: float
) -> NotEstimable | None:
    """Why the curve areas are refused, if the one-arm prefix betrays the treatment.

    The prefix is the clients ranked above the first point with both arms. If the score is
    independent of the treatment, the chance that the top m clients all come from one arm
    is the sum over arms of C(N_arm, m) / C(N, m).
    """
    first = int(sums.first[0])
    prefix = int(sums.population[0, first - 1]) if first > 0 else 0
    if prefix == 0:
        return None
    arm, other = ("treated", "control") if sums.n_t[0, first - 1] > 0 else ("control", "treated")
    chance = sum(
        _all_from_arm(size, holdout.clients, prefix)
        for size in (holdout.n_treated, holdout.n_control)
    )
    if chance >= prefix_alpha:
        return None
    return NotEstimable(
        f"the top {prefix} clients ({prefix / holdout.clients:.1%}) by score are all {arm}: "
        f"a score independent of the treatment does that with probability {chance:.1e}, "
        f"so the score encodes who was treated, and over that range the curve has no {other} "
        "clients to compare with"
    )


def perfect_qini_over_random(holdout: RankedHoldout) -> float:
    """Area over random of the perfect ordering's Qini curve, with the overall arm ratio."""
    ratio = holdout.n_treated / holdout.n_control
    contribution = np.where(holdout.treated, holdout.outcome, -ratio * holdout.outcome)
    values, counts = np.unique(contribution, return_counts=True)
    values, counts = values[::-1], counts[::-1]
    curve = np.concatenate(([0.0], np.cumsum(values * counts)))
    step = counts / holdout.clients
    under_curve = float(np.sum(step * (curve[1:] + curve[:-1])) / 2.0)
    return under_curve - float(curve[-1]) / 2.0


def _all_from_arm(arm: int, clients: int, prefix: int) -> float:
    if prefix > arm:
        return 0.0
    log_chance = (
        math.lgamma(arm + 1)
        - math.lgamma(arm - prefix + 1)
        - math.lgamma(clients + 1)
        + math.lgamma(clients - prefix + 1)
    )
    return math.exp(log_chance)


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=np.float64)
    array.setflags(write=False)
    return array

"""Honesty of the experiment statistics on simulated tests whose true effects are known.

    .venv/bin/python benchmarks/experiment_honesty.py --replications 2000 --clients 20000

With the planted effects (+12 % conversion, +8 % retention of converters, revenue +12 %)
it counts how often each 95 % interval (absolute and relative, raw and CUPED) covers the
true effect: it should be 93-97 %. With no effect it counts false positives at alpha 5 %:
one look at the end (fixed-horizon p-value), 28 daily looks with the always-valid mSPRT
p-value, and, for contrast, 28 daily looks with the fixed-horizon p-value (naive peeking).
Every figure is printed with its binomial standard error.

Sizes: 2,000 replications make the standard error of a 5 % rate 0.5 points, so the 3.5-6.5 %
band is three standard errors wide each side; 20,000 clients per test (about 1,300
converters) keep the normal approximations honest and a run near a minute on one core.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from modeling.experiments import compare_metric, monitor
from modeling.experiments.simulate import simulate_experiment

COVERAGE_BAND = (0.93, 0.97)
FALSE_POSITIVE_BAND = (0.035, 0.065)


def _arrays(sim, column):
    frame = sim.frame
    treated = (frame["variant"] == "treatment").to_numpy()
    return frame[column].to_numpy(), frame["pre_sessions"].to_numpy(), treated


def _coverage_rows(sim, alpha):
    """(name, covered) for each metric, estimate and scale of one replication."""
    frame = sim.frame
    treated = (frame["variant"] == "treatment").to_numpy()
    converted = frame["converted"].to_numpy() == 1.0
    x = frame["pre_sessions"].to_numpy()
    metrics = [
        ("conversion", "binary", frame["converted"].to_numpy(), np.ones_like(converted), sim.conversion),
        ("retention of converters", "binary", frame["retained_30d"].to_numpy(), converted, sim.retention_of_converters),
        ("revenue", "numeric", frame["revenue"].to_numpy(), np.ones_like(converted), sim.revenue),
    ]  # fmt: skip
    rows = []
    for name, kind, y, keep, truth in metrics:
        c, t = keep & ~treated, keep & treated
        result = compare_metric(
            name, kind, y[c], y[t], control_covariate=x[c], treatment_covariate=x[t], alpha=alpha
        )
        for label, effect in (("raw", result.raw), ("CUPED", result.cuped.effect)):
            rows.append(
                (f"{name:24s} {label:5s} absolute", effect.difference_ci.contains(truth.difference))
            )
            rows.append(
                (
                    f"{name:24s} {label:5s} relative",
                    effect.relative_lift_ci.contains(truth.relative),
                )
            )
        rows.append((f"{name:24s} variance reduction", result.cuped.variance_reduction))
    return rows


def _null_rows(sim, alpha, days):
    """False positives of one no-effect replication: single look, mSPRT, naive peeking."""
    y, x, treated = _arrays(sim, "converted")
    day = sim.frame["day"].to_numpy()
    order = np.argsort(day, kind="stable")
    y, x, treated, day = y[order], x[order], treated[order], day[order]
    y_c, y_t = y[~treated], y[treated]
    ends_c = np.searchsorted(day[~treated], np.arange(1, days + 1), side="right")
    ends_t = np.searchsorted(day[treated], np.arange(1, days + 1), side="right")
    looks = [
        compare_metric("conversion", "binary", y_c[:a], y_t[:b]).raw
        for a, b in zip(ends_c, ends_t, strict=True)
    ]
    final = compare_metric(
        "conversion",
        "binary",
        y_c,
        y_t,
        control_covariate=x[~treated],
        treatment_covariate=x[treated],
    )
    sequential = monitor(looks, planned_clients=len(y), alpha=alpha)
    return [
        ("single look, fixed-horizon p, raw", final.raw.p_value < alpha),
        ("single look, fixed-horizon p, CUPED", final.cuped.effect.p_value < alpha),
        (f"{days} daily looks, mSPRT always-valid p", sequential.rejected),
        (
            f"{days} daily looks, mSPRT, sequence excludes 0",
            not sequential.confidence_sequence.contains(0.0),
        ),
        (f"{days} daily looks, naive fixed-horizon p", any(look.p_value < alpha for look in looks)),
    ]


def _tally(rows_per_replication):
    sums: dict[str, float] = {}
    for rows in rows_per_replication:
        for name, value in rows:
            sums[name] = sums.get(name, 0.0) + float(value)
    n = len(rows_per_replication)
    return {name: total / n for name, total in sums.items()}, n


def _print(title, rates, n, band):
    print(f"\n{title} ({n} replications)")
    for name, rate in rates.items():
        if "variance reduction" in name:
            print(f"  {name:52s} mean {rate:6.1%}")
            continue
        se = math.sqrt(rate * (1 - rate) / n)
        verdict = ""
        if band is not None and "naive" not in name:
            verdict = "in band" if band[0] <= rate <= band[1] else "OUT OF BAND"
            verdict += " (below: conservative)" if rate < band[0] else ""
        print(f"  {name:52s} {rate:6.1%} +- {se:.1%}   {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=20240)
    args = parser.parse_args()
    alpha = 0.05
    start = time.perf_counter()
    effect_rows = [
        _coverage_rows(simulate_experiment(args.clients, seed=args.seed + r, days=args.days), alpha)
        for r in range(args.replications)
    ]
    null_rows = [
        _null_rows(
            simulate_experiment(
                args.clients,
                seed=args.seed + 10**6 + r,
                conversion_lift=0.0,
                retention_lift=0.0,
                days=args.days,
            ),
            alpha,
            args.days,
        )
        for r in range(args.replications)
    ]
    seconds = time.perf_counter() - start
    print(f"clients per test {args.clients:,}, {args.days} daily looks, alpha {alpha}")
    _print(
        "Coverage of the true effect by 95 % intervals (band 93-97 %)",
        *_tally(effect_rows),
        COVERAGE_BAND,
    )
    _print(
        "False-positive rate with no effect (band 3.5-6.5 %)",
        *_tally(null_rows),
        FALSE_POSITIVE_BAND,
    )
    print(f"\nseconds {seconds:.1f}")


if __name__ == "__main__":
    main()

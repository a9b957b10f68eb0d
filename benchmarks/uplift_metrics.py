"""Benchmark: Qini area with stratified bootstrap intervals on N scored clients (default 1M).

    .venv/bin/python benchmarks/uplift_metrics.py --clients 1000000 --resamples 200 --repeats 3

A synthetic randomised holdout (half treated, a 0/1 response whose uplift grows with a
feature the score sees through noise; scores all distinct, the worst case for the curves).
  fast      modeling.uplift.bootstrap.bootstrap_qini: ranking, point estimate and every
            resample's Qini area over random, chunks of resamples counted at once
  baseline  a straightforward pandas implementation looped over the same resamples
            (resample_rows): take the rows, group by score (the same tie rule), sort,
            cumulative sums, Qini at each distinct score, trapezoids
  all       bootstrap_uplift on the same resamples: both curve areas, uplift@k and the
            decile rates as well (for scale; the baseline computes the Qini alone)
Every resample's area must agree between fast and baseline to 1e-9 (relative). Medians
over --repeats; the ratio is baseline / fast, measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from modeling.uplift.bootstrap import bootstrap_qini, bootstrap_uplift, resample_rows


def holdout(clients: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    feature = rng.random(clients)
    treated = rng.random(clients) < 0.5
    outcome = (rng.random(clients) < 0.08 + 0.06 * feature * treated).astype(np.int64)
    score = feature + rng.normal(0.0, 0.3, clients)
    return score, treated, outcome


def pandas_qini_area(frame: pd.DataFrame, rows: np.ndarray) -> float:
    """Qini area over random of one resample: group by score, sort, cumulative sums."""
    sample = frame.take(rows)
    points = (
        sample.groupby("score", sort=True)[["n_t", "y_t", "n_c", "y_c"]].sum().iloc[::-1].cumsum()
    )
    estimable = (points["n_t"] > 0) & (points["n_c"] > 0)
    points = points[estimable]
    qini = points["y_t"] - points["y_c"] * (points["n_t"] / points["n_c"])
    share = (points["n_t"] + points["n_c"]) / len(rows)
    under_curve = np.trapezoid(qini.to_numpy(), share.to_numpy())
    first = share.iloc[0]
    under_random = qini.iloc[-1] * (1.0 - first**2) / 2.0
    return float(under_curve - under_random)


def baseline(score, treated, outcome, resamples: int, seed: int) -> np.ndarray:
    frame = pd.DataFrame(
        {
            "score": score,
            "n_t": treated.astype(np.int64),
            "y_t": outcome * treated,
            "n_c": (~treated).astype(np.int64),
            "y_c": outcome * ~treated,
        }
    )
    return np.array(
        [
            pandas_qini_area(frame, rows)
            for rows in resample_rows(score, treated, outcome, resamples, seed)
        ]
    )


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    score, treated, outcome = holdout(args.clients, args.seed)
    fast_seconds, slow_seconds, all_seconds = [], [], []
    for _ in range(args.repeats):
        seconds, interval = timed(
            bootstrap_qini, score, treated, outcome, resamples=args.resamples, seed=args.seed
        )
        fast_seconds.append(seconds)
        seconds, areas = timed(baseline, score, treated, outcome, args.resamples, args.seed)
        slow_seconds.append(seconds)
        np.testing.assert_allclose(interval.replicates, areas, rtol=1e-9, atol=0)
        seconds, everything = timed(
            bootstrap_uplift, score, treated, outcome, resamples=args.resamples, seed=args.seed
        )
        all_seconds.append(seconds)
        np.testing.assert_array_equal(everything.qini_area.replicates, interval.replicates)

    fast, slow = statistics.median(fast_seconds), statistics.median(slow_seconds)
    gap = np.max(np.abs(interval.replicates - areas) / np.abs(areas))
    print(f"clients {args.clients:,}, resamples {args.resamples}, repeats {args.repeats}")
    print(
        f"Qini area over random {interval.estimate:.2f}, 95% interval "
        f"[{interval.low:.2f}, {interval.high:.2f}]"
    )
    print(f"largest relative gap between the two, per resample: {gap:.1e}")
    print(f"fast      median {fast:7.2f} s   ({', '.join(f'{s:.2f}' for s in fast_seconds)})")
    print(f"baseline  median {slow:7.2f} s   ({', '.join(f'{s:.2f}' for s in slow_seconds)})")
    print(f"ratio     baseline / fast = {slow / fast:.1f}x")
    every = statistics.median(all_seconds)
    print(f"all       median {every:7.2f} s   ({', '.join(f'{s:.2f}' for s in all_seconds)})")


if __name__ == "__main__":
    main()

"""Benchmark: the full analysis of one A/B test against the same statistics in statsmodels.

    PYTHONPATH=. .venv/bin/python benchmarks/experiments.py --clients 10000000 --repeats 3

Two arms, conversion (binary) and revenue (numeric), both CUPED-adjusted by the pre-period
sessions, the SRM check and Holm across the two metrics, on simulated clients (the
simulation is set-up, not timed). Ours: analyze_experiment on the Polars frame. Baseline:
the same numbers from statsmodels on pandas frames: confint_proportions_2indep and
test_proportions_2indep (Wald), ttest_ind and CompareMeans.tconfint_diff (Welch), theta as
the covariate's OLS coefficient in metric ~ 1 + arm + covariate, the Welch test on the
adjusted revenue, multipletests (Holm), scipy's chisquare. statsmodels has no normal
interval on a CUPED-adjusted binary metric nor a delta-method lift, so those are
assembled from DescrStatsW means and variances. Prints the median seconds of the repeats,
the ratio, and the largest difference between the two sets of numbers.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as scipy_stats
from scipy.stats import chisquare
from statsmodels.stats import proportion
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW, ttest_ind

from modeling.experiments import MetricSpec, analyze_experiment
from modeling.experiments.simulate import simulate_experiment

METRICS = [
    MetricSpec("conversion", "converted", "binary", covariate="pre_sessions"),
    MetricSpec("revenue", "revenue", "numeric", covariate="pre_sessions"),
]
Z = scipy_stats.norm.isf(0.025)


def ours(frame) -> dict[str, float]:
    analysis = analyze_experiment(frame, METRICS)
    numbers = {"srm_chi2": analysis.srm.statistic, "srm_p": analysis.srm.p_value}
    for c in analysis.comparisons:
        for label, effect in (("raw", c.raw), ("cuped", c.cuped.effect)):
            key = f"{c.metric}_{label}"
            numbers[f"{key}_diff"] = effect.difference
            numbers[f"{key}_low"] = effect.difference_ci.lower
            numbers[f"{key}_high"] = effect.difference_ci.upper
            numbers[f"{key}_p"] = effect.p_value
            numbers[f"{key}_lift_low"] = effect.relative_lift_ci.lower
            numbers[f"{key}_lift_high"] = effect.relative_lift_ci.upper
        numbers[f"{c.metric}_theta"] = c.cuped.theta
        numbers[f"{c.metric}_holm_p"] = c.p_value_adjusted
    return numbers


def _lift(d_t: DescrStatsW, d_c: DescrStatsW, var_t: float, var_c: float) -> tuple[float, float]:
    lift = d_t.mean / d_c.mean - 1
    se = np.sqrt(var_t / d_t.nobs / d_c.mean**2 + d_t.mean**2 * var_c / d_c.nobs / d_c.mean**4)
    return lift - Z * se, lift + Z * se


def baseline(pdf: pd.DataFrame) -> dict[str, float]:
    counts = pdf["variant"].value_counts()
    observed = np.array([counts["control"], counts["treatment"]])
    srm = chisquare(observed, f_exp=np.full(2, observed.sum() / 2))
    numbers = {"srm_chi2": srm.statistic, "srm_p": srm.pvalue}
    arm = (pdf["variant"] == "treatment").to_numpy()
    c, t = pdf[~arm], pdf[arm]
    x = pdf["pre_sessions"]
    design = np.column_stack([np.ones(len(pdf)), arm.astype(float), x.to_numpy()])
    primary = []
    for metric, column in (("conversion", "converted"), ("revenue", "revenue")):
        y_c, y_t = c[column], t[column]
        theta = sm.OLS(pdf[column].to_numpy(), design).fit().params[2]
        numbers[f"{metric}_theta"] = theta
        x_mean = x.mean()
        adj_c = y_c - theta * (c["pre_sessions"] - x_mean)
        adj_t = y_t - theta * (t["pre_sessions"] - x_mean)
        for label, (a_c, a_t) in (("raw", (y_c, y_t)), ("cuped", (adj_c, adj_t))):
            key = f"{metric}_{label}"
            d_c, d_t = DescrStatsW(a_c.to_numpy()), DescrStatsW(a_t.to_numpy())
            numbers[f"{key}_diff"] = d_t.mean - d_c.mean
            if metric == "conversion" and label == "raw":
                args = (int(y_t.sum()), len(y_t), int(y_c.sum()), len(y_c))
                low, high = proportion.confint_proportions_2indep(
                    *args, method="wald", compare="diff"
                )
                p = proportion.test_proportions_2indep(*args, method="wald", compare="diff").pvalue
                var_c, var_t = d_c.var, d_t.var
            elif metric == "conversion":
                var_c, var_t = d_c.var, d_t.var  # ddof 0, as the raw Wald interval
                se = np.sqrt(var_c / d_c.nobs + var_t / d_t.nobs)
                diff = d_t.mean - d_c.mean
                low, high = diff - Z * se, diff + Z * se
                p = 2 * scipy_stats.norm.sf(abs(diff / se))
            else:
                _, p, _ = ttest_ind(d_t.data, d_c.data, usevar="unequal")
                low, high = CompareMeans(d_t, d_c).tconfint_diff(usevar="unequal")
                var_c, var_t = (
                    d_c.var * d_c.nobs / (d_c.nobs - 1),
                    d_t.var * d_t.nobs / (d_t.nobs - 1),
                )
            numbers[f"{key}_low"], numbers[f"{key}_high"], numbers[f"{key}_p"] = low, high, p
            lift_low, lift_high = _lift(d_t, d_c, var_t, var_c)
            numbers[f"{key}_lift_low"], numbers[f"{key}_lift_high"] = lift_low, lift_high
        primary.append(numbers[f"{metric}_cuped_p"])
    holm = multipletests(primary, method="holm")[1]
    numbers["conversion_holm_p"], numbers["revenue_holm_p"] = holm
    return numbers


def _timed(function, argument, repeats: int):
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function(argument)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    start = time.perf_counter()
    frame = simulate_experiment(args.clients, seed=args.seed).frame
    pdf = frame.select(METRICS[0].covariate, "variant", "converted", "revenue").to_pandas()
    pdf["variant"] = pdf["variant"].astype(str)
    print(f"clients {args.clients:,}; simulated in {time.perf_counter() - start:.1f} s")
    ours_median, ours_all, ours_numbers = _timed(ours, frame, args.repeats)
    base_median, base_all, base_numbers = _timed(baseline, pdf, args.repeats)
    worst_abs = max(abs(ours_numbers[k] - base_numbers[k]) for k in base_numbers)
    worst_rel = max(
        abs(ours_numbers[k] - base_numbers[k]) / max(abs(base_numbers[k]), 1e-300)
        for k in base_numbers
        if base_numbers[k] != 0
    )
    worst_key = max(base_numbers, key=lambda k: abs(ours_numbers[k] - base_numbers[k]))
    print(f"ours      median {ours_median:6.2f} s   runs {[round(s, 2) for s in ours_all]}")
    print(f"baseline  median {base_median:6.2f} s   runs {[round(s, 2) for s in base_all]}")
    print(f"speed-up  {base_median / ours_median:.1f}x")
    print(
        f"numbers compared {len(base_numbers)}: largest absolute difference {worst_abs:.2e} ({worst_key}), largest relative {worst_rel:.2e}"
    )
    for key in (
        "conversion_raw_diff",
        "conversion_cuped_low",
        "revenue_cuped_p",
        "conversion_holm_p",
        "srm_p",
    ):
        print(f"  {key:24s} ours {ours_numbers[key]: .12g}   statsmodels {base_numbers[key]: .12g}")


if __name__ == "__main__":
    main()

"""`portrait train churn`: rolling-origin temporal cross-validation, final fit, registry.

Folds follow time. Each fold validates on one snapshot date v and trains only on snapshots
whose labels had matured by v (t + horizon + grace <= v), so no fold learns from an outcome
that was unknown on the day it is judged. The last `folds` snapshot dates are validated in
turn; the registered model is then fitted on every matured snapshot.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl
from sklearn.metrics import roc_auc_score

from modeling.churn import drift
from modeling.churn.metrics import ChurnMetrics, FoldResult
from modeling.churn.model import ChurnModel
from modeling.contract import Steps, TrainOptions, TrainResult
from modeling.evaluation import binary_curves, binary_metrics
from modeling.explain import shap_global, shap_long, stratified_sample
from modeling.registry import RunRecord, data_fingerprint, save_run

log = logging.getLogger(__name__)

REFERENCE_ROWS = 50_000
REFERENCE_DATES = 4
# A fold judged on a handful of churners says nothing; it is skipped instead.
MIN_CLASS_ROWS = 5
# Snapshot dates held out of a training set to choose its number of trees, and the fewest
# trees a model may end up with.
EARLY_STOP_DATES = 2
MIN_ITERATIONS = 20
ITERATIONS = 500


@dataclass(frozen=True, kw_only=True)
class ChurnTrainOptions(TrainOptions):
    """How much history to use and how to fit.

    `date_to` treats the data as ending on that day (default: its last event);
    `sample_rows` caps the training rows of a fold and of the final fit.
    """

    seed: int = 0
    # The paid cohort is sampled down to this many rows so training stays within minutes.
    sample_rows: int | None = 100_000
    shap_rows: int = 2_000
    # The most trees; fit_model picks how many on the latest training snapshots.
    iterations: int | None = 500
    # Weekly snapshots over up to a year; the trial cohort is small and needs them all.
    snapshots: int = 52
    every_days: int = 7
    folds: int = 4
    # Shallow trees: churn on a snapshot is a smooth function of a handful of signals
    # (engagement, tenure, the card), and depth 6 overfits the few thousand churners a
    # cohort holds.
    depth: int = 4
    learning_rate: float = 0.05
    l2_leaf_reg: float = 3.0
    thread_count: int = 2


def rolling_origin_folds(
    dates: list[date], *, folds: int, gap_days: int
) -> list[tuple[date, list[date]]]:
    """(validation date, training dates) for the last `folds` dates that have training data."""
    ordered = sorted(set(dates))
    plan = []
    for validate_on in ordered[::-1]:
        train_dates = [d for d in ordered if d + timedelta(days=gap_days) <= validate_on]
        if train_dates:
            plan.append((validate_on, train_dates))
        if len(plan) == folds:
            break
    return plan[::-1]


def _sample(frame: pl.DataFrame, rows: int | None, seed: int) -> pl.DataFrame:
    if rows is None or frame.height <= rows:
        return frame
    return frame.sample(n=rows, seed=seed)


def cross_validate(
    data: pl.DataFrame,
    features: list[str],
    options: ChurnTrainOptions,
    *,
    gap_days: int,
    categorical: tuple[str, ...],
    steps: Steps | None = None,
) -> tuple[list[FoldResult], pl.DataFrame]:
    """Rolling-origin CV; returns the folds and the pooled validation predictions."""
    dates = data.get_column("snapshot_date").unique().to_list()
    plan = rolling_origin_folds(dates, folds=options.folds, gap_days=gap_days)
    results, pooled = [], []
    for number, (validate_on, train_dates) in enumerate(plan, start=1):
        train = _sample(
            data.filter(pl.col("snapshot_date").is_in(train_dates)),
            options.sample_rows,
            options.seed,
        )
        valid = data.filter(pl.col("snapshot_date") == validate_on)
        y_train = train.get_column("label").to_numpy()
        y_valid = valid.get_column("label").to_numpy()
        if min(_class_counts(y_train) + _class_counts(y_valid)) < MIN_CLASS_ROWS:
            log.warning(
                "fold on %s skipped: fewer than %d rows of a class", validate_on, MIN_CLASS_ROWS
            )
            if steps:
                steps(f"fold {number} skipped: fewer than {MIN_CLASS_ROWS} rows of a class")
            continue
        model = fit_model(train, features, options, gap_days=gap_days, categorical=categorical)
        proba = model.predict_proba(valid.select(features))
        metrics = binary_metrics(y_valid, proba)
        result = FoldResult(
            fold=number,
            validate_on=validate_on.isoformat(),
            train_until=max(train_dates).isoformat(),
            train_rows=train.height,
            rows=metrics["rows"],
            positives=metrics["positives"],
            roc_auc=metrics["roc_auc"],
            pr_auc=metrics["pr_auc"],
            brier=metrics["brier"],
            calibration_error=metrics["calibration_error"],
            trees=model.best_iterations_,
        )
        if "oracle_p" in valid.columns:
            _add_oracle(result, valid, y_valid, proba)
        results.append(result)
        pooled.append(
            valid.select("snapshot_date", "user_id", "label").with_columns(
                pl.Series("proba", proba), pl.lit(number).alias("fold")
            )
        )
        if steps:
            steps(f"fold {number}: ROC-AUC {result.roc_auc:.3f} on {validate_on}")
    if len(results) < 2:
        raise ValueError(
            f"rolling-origin validation needs at least 2 usable folds, got {len(results)}: "
            "more history or more snapshots are needed"
        )
    return results, pl.concat(pooled)


def _class_counts(y: np.ndarray) -> list[int]:
    positives = int(np.sum(y))
    return [positives, len(y) - positives]


def _add_oracle(result: FoldResult, valid: pl.DataFrame, y: np.ndarray, proba: np.ndarray) -> None:
    oracle = valid.get_column("oracle_p").to_numpy().astype(float)
    known = ~np.isnan(oracle)
    if known.sum() and len(np.unique(y[known])) == 2:
        result.oracle_roc_auc = float(roc_auc_score(y[known], oracle[known]))
        result.oracle_rows = int(known.sum())
        if known.sum() < len(y):
            # The gap is only fair on the same rows: judge the model there too.
            result.roc_auc_on_oracle_rows = float(roc_auc_score(y[known], proba[known]))


def _new_model(
    options: ChurnTrainOptions, categorical: tuple[str, ...], iterations: int | None = None
) -> ChurnModel:
    return ChurnModel(
        iterations=iterations or options.iterations or ITERATIONS,
        depth=options.depth,
        learning_rate=options.learning_rate,
        l2_leaf_reg=options.l2_leaf_reg,
        categorical=categorical,
        thread_count=options.thread_count,
        random_seed=options.seed,
    )


def fit_model(
    train: pl.DataFrame,
    features: list[str],
    options: ChurnTrainOptions,
    *,
    gap_days: int,
    categorical: tuple[str, ...],
) -> ChurnModel:
    """Fit on `train` with the number of trees chosen on its own latest snapshots.

    The latest EARLY_STOP_DATES snapshot dates are held out, a model is fitted on the dates
    whose labels had matured by then and stopped where the held-out log-loss is best; the
    returned model is refitted on every row of `train` with that many trees. How many
    trees a cohort bears depends on how many churners it holds (a few hundred on a small
    demo, thousands on a large one); a fixed count over- or under-fits one of them.
    """
    dates = sorted(train.get_column("snapshot_date").unique().to_list())
    held_out = dates[-EARLY_STOP_DATES:]
    inner_dates = [d for d in dates if d + timedelta(days=gap_days) <= held_out[0]]
    inner = train.filter(pl.col("snapshot_date").is_in(inner_dates))
    check = train.filter(pl.col("snapshot_date").is_in(held_out))
    y_inner = inner.get_column("label").to_numpy()
    y_check = check.get_column("label").to_numpy()
    iterations = options.iterations or ITERATIONS
    if min(_class_counts(y_inner) + _class_counts(y_check)) >= MIN_CLASS_ROWS:
        probe = _new_model(options, categorical).fit(
            inner.select(features), y_inner, check.select(features), y_check
        )
        iterations = min(iterations, max(probe.best_iterations_, MIN_ITERATIONS))
    return _new_model(options, categorical, iterations).fit(
        train.select(features), train.get_column("label").to_numpy()
    )


def summarize(folds: list[FoldResult], cohort: str = "") -> ChurnMetrics:
    """Headline metrics: means over folds, the folds themselves, and the gap to the oracle."""
    mean = {
        key: float(np.mean([getattr(f, key) for f in folds]))
        for key in ("roc_auc", "pr_auc", "brier", "calibration_error")
    }
    metrics = ChurnMetrics(
        cohort=cohort,
        **mean,
        folds=list(folds),
        positives=int(sum(f.positives for f in folds)),
        rows=int(sum(f.rows for f in folds)),
    )
    oracle = [f for f in folds if f.oracle_roc_auc is not None]
    if oracle:
        metrics.oracle_roc_auc = float(np.mean([f.oracle_roc_auc for f in oracle]))
        model_same_rows = np.mean(
            [
                f.roc_auc if f.roc_auc_on_oracle_rows is None else f.roc_auc_on_oracle_rows
                for f in oracle
            ]
        )
        metrics.oracle_gap = float(metrics.oracle_roc_auc - model_same_rows)
    return metrics


def fit_and_register(
    con: duckdb.DuckDBPyConnection,
    data: pl.DataFrame,
    features: list[str],
    options: ChurnTrainOptions,
    *,
    kind: str,
    cohort: str,
    target: str,
    gap_days: int,
    categorical: tuple[str, ...],
    params: dict,
    steps: Steps | None = None,
) -> TrainResult[ChurnMetrics]:
    """Validate one cohort on time, fit the final model on all of it, and register it."""
    started = time.perf_counter()
    # The datasets come from Polars joins, which keep no row order, and CatBoost's trees
    # and the samples depend on it: a fixed order makes a retrain reproduce the model.
    data = data.sort("snapshot_date", "row_id")
    folds, pooled = cross_validate(
        data, features, options, gap_days=gap_days, categorical=categorical, steps=steps
    )
    metrics = summarize(folds, cohort)
    validated = time.perf_counter()

    train = _sample(data, options.sample_rows, options.seed)
    model = fit_model(train, features, options, gap_days=gap_days, categorical=categorical)
    # What predicting from raw rows needs: the cohort scored, and the activity source.
    model.cohort_ = cohort
    model.source_params_ = params
    fitted = time.perf_counter()
    latest = data.filter(pl.col("snapshot_date") == data.get_column("snapshot_date").max())
    explained = stratified_sample(latest, "label", options.shap_rows, seed=options.seed)
    values = model.shap_values(explained.select(features))
    long = shap_long(
        explained.get_column("row_id").to_numpy(),
        explained.select(features),
        values[:, None, :],
        ["churn"],
    )
    importance = dict(
        zip(features, np.abs(values).mean(axis=0).astype(float).tolist(), strict=True)
    )
    # Monitoring compares scored dates with the population the model saw last: the
    # latest snapshots, not a year of them pooled (in which a growing base looks young).
    recent = sorted(data.get_column("snapshot_date").unique().to_list())[-REFERENCE_DATES:]
    reference = _sample(
        data.filter(pl.col("snapshot_date").is_in(recent)), REFERENCE_ROWS, options.seed
    )
    model.set_reference(
        reference.select(features),
        model.predict_proba(reference.select(features)),
        importance,
        drift.time_bound_features(train, features),
    )
    if steps:
        steps(f"{cohort}: final model on {train.height:,} rows")
    metrics.train_rows = train.height
    metrics.trees = model.best_iterations_
    record = RunRecord(
        kind=kind,
        target=target,
        model=model,
        params={**params, **asdict(options), "cohort": cohort, **model.get_params()},
        features={
            "features": features,
            "categorical": list(model.categorical_),
            "excluded": {
                "recommended_channel": "vitrine output, not a model input",
                "oracle_p": "demo generator's truth, evaluation only",
            },
        },
        metrics=metrics,
        data_fingerprint=data_fingerprint(train.select([*features, "label"])),
        notes=_notes(cohort, metrics),
        timings={
            "validation": validated - started,
            "fit": fitted - validated,
            "total": time.perf_counter() - started,
        },
    )
    return save_run(
        con,
        record,
        curves=binary_curves(
            pooled.get_column("label").to_numpy(), pooled.get_column("proba").to_numpy(), "churn"
        ),
        shap_values=long,
        shap_global=shap_global(long),
    )


def _notes(cohort: str, metrics: ChurnMetrics) -> str:
    text = (
        f"{cohort}: rolling-origin CV over {len(metrics.folds)} folds, "
        f"mean ROC-AUC {metrics.roc_auc:.3f}, PR-AUC {metrics.pr_auc:.3f}, "
        f"Brier {metrics.brier:.4f}"
    )
    if metrics.oracle_roc_auc is not None:
        text += f"; oracle ROC-AUC {metrics.oracle_roc_auc:.3f} (gap {metrics.oracle_gap:+.3f})"
    return text

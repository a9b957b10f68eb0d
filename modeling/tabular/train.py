"""`portrait train table`: the generic trainer for any labeled table in the warehouse.

Split on time when a time column is given (the latest fifth of rows is the holdout),
stratified otherwise. The leakage guard judges every feature; flagged features are left
out, and the metrics with them are recorded beside the result, never as it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

import duckdb
import numpy as np
import polars as pl
from sklearn.model_selection import train_test_split

from modeling.contract import FlaggedComparison, Progress, Steps, TrainOptions, TrainResult
from modeling.evaluation import binary_curves, binary_metrics, multiclass_curves, multiclass_metrics
from modeling.explain import catboost_shap, shap_global, shap_long, stratified_sample
from modeling.leakage import LeakageRules, leakage_guard
from modeling.registry import RunRecord, data_fingerprint, save_run
from modeling.tabular.infer import ColumnRoles, check_target, infer_roles
from modeling.tabular.metrics import TableMetrics
from modeling.tabular.model import TableModel
from warehouse.db import table_exists
from warehouse.sql import qualified

log = logging.getLogger(__name__)

KIND = "table"
HOLDOUT_SHARE = 0.2
ITERATIONS = 300
ROW = "__row"  # position in the table: the SHAP row_id when there is no integer id
STEPS = 4  # and one more when a comparison model is fitted


@dataclass(frozen=True, kw_only=True)
class TableTrainOptions(TrainOptions):
    """Which table and column to learn, and how (recorded in the run's params).

    `sample_rows` samples the training rows (after the holdout is set aside);
    `date_from`/`date_to` keep the rows whose `time_column` falls in that slice.
    """

    table: str
    target: str
    id_column: str | None = None
    time_column: str | None = None
    include_flagged: bool = False


def load_table(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """The whole table; its name must be an existing schema.table."""
    if table.count(".") != 1 or not table_exists(con, table):
        raise ValueError(
            f"no table {table!r} in the warehouse (load it with `portrait ingest --table`)"
        )
    con.complete()
    schema, name = table.split(".")
    # The relation API takes the (checked) name as an identifier: no SQL text is built.
    return pl.from_arrow(con.table(qualified((schema, name))).to_arrow_table())


def split(frame: pl.DataFrame, target: str, time_column: str | None, seed: int):
    """(train, holdout): the latest rows when time is given, else a stratified holdout."""
    if time_column:
        cut = frame.get_column(time_column).quantile(1 - HOLDOUT_SHARE, interpolation="lower")
        late = frame.get_column(time_column) > cut
        train, holdout = frame.filter(~late), frame.filter(late)
        how = f"time: holdout after {cut}"
    else:
        index = np.arange(frame.height)
        tr, ho = train_test_split(
            index,
            test_size=HOLDOUT_SHARE,
            random_state=seed,
            stratify=frame.get_column(target).to_numpy(),
        )
        train, holdout = frame[np.sort(tr)], frame[np.sort(ho)]
        how = "stratified random holdout"
    if train.is_empty() or holdout.is_empty():
        raise ValueError("too few rows to hold any out")
    return train, holdout, how


def train_table(
    con: duckdb.DuckDBPyConnection,
    options: TableTrainOptions,
    progress: Progress | None = None,
) -> TrainResult[TableMetrics]:
    """Train, evaluate, explain and register a model of `options.target`; return its result."""
    steps = Steps(progress, STEPS)
    started = time.perf_counter()
    frame = _labeled_rows(load_table(con, options.table), options)
    classes = check_target(frame, options.target)
    roles = infer_roles(frame, options.target, options.id_column, options.time_column)
    frame = frame.with_row_index(ROW)
    if not roles.features:
        raise ValueError(f"{options.table} has no usable feature column: {roles.left_out}")
    steps(f"{frame.height:,} labeled rows, {len(classes)} classes, features: {roles.features}")
    train, holdout, how = split(frame, options.target, options.time_column, options.seed)
    if options.sample_rows is not None and train.height > options.sample_rows:
        train = train.sample(options.sample_rows, seed=options.seed).sort(ROW)

    report = leakage_guard(
        train,
        options.target,
        roles.features,
        time=options.time_column,
        later=holdout.drop(options.target) if options.time_column else None,
        rules=LeakageRules(seed=options.seed),
    )
    flagged = [] if options.include_flagged else report.flagged
    honest = _without(roles, flagged)
    if not honest.features:
        raise ValueError(f"the leakage guard flagged every feature: {report.to_dict()['reasons']}")
    steps(
        f"fitting CatBoost on {train.height:,} rows"
        + (f" (left out: {flagged})" if flagged else "")
    )
    iterations = options.iterations or ITERATIONS
    fit_started = time.perf_counter()
    model = TableModel(honest, iterations=iterations, random_seed=options.seed)
    y_train = train.get_column(options.target).to_numpy().astype(str)
    y_holdout = holdout.get_column(options.target).to_numpy().astype(str)
    model.fit(train, y_train)
    fit_seconds = time.perf_counter() - fit_started
    proba = model.predict_proba(holdout)
    measured, curves = _evaluate(y_holdout, proba, model.classes_)
    with_flagged = None
    if report.flagged and not options.include_flagged:
        steps.total += 1
        steps("fitting the comparison model with the flagged features")
        leaky = TableModel(roles, iterations=iterations, random_seed=options.seed).fit(
            train, y_train
        )
        other, _ = _evaluate(y_holdout, leaky.predict_proba(holdout), leaky.classes_)
        with_flagged = FlaggedComparison(
            features=report.flagged,
            roc_auc=other.get("roc_auc"),
            roc_auc_macro=other.get("roc_auc_macro"),
            roc_auc_by_class=other.get("roc_auc_by_class"),
            note="not the result: flagged features look too good to be true",
        )
    metrics = TableMetrics.from_json({**measured, "split": how, "leakage": report.to_dict()})
    metrics.with_flagged_features = with_flagged

    steps("SHAP")
    shap_started = time.perf_counter()
    sample = stratified_sample(holdout, options.target, options.shap_rows, seed=options.seed)
    values = np.concatenate([catboost_shap(model.model_, model.pool(sample))], axis=1)
    labels = (
        [str(model.classes_[-1])] if len(model.classes_) == 2 else [str(c) for c in model.classes_]
    )
    row_ids = _row_ids(sample, options.id_column)
    long = shap_long(row_ids, model.design(sample), values, labels)
    shap_seconds = time.perf_counter() - shap_started

    steps("saving the run")
    record = RunRecord(
        kind=KIND,
        target=f"{options.table}.{options.target}",
        model=model,
        params={**asdict(options), "classes": [str(c) for c in model.classes_], "split": how},
        features={
            "numeric": honest.numeric,
            "categorical": honest.categorical,
            "text": model.text_features_,
            "coerced_to_numbers": honest.coerced,
            "left_out": {
                **roles.left_out,
                **{f: "; ".join(report.to_dict()["reasons"][f]) for f in flagged},
            },
        },
        metrics=metrics,
        data_fingerprint=data_fingerprint(train),
        notes="; ".join(
            [how, *model.notes_] + ([f"leakage guard flagged {flagged}"] if flagged else [])
        ),
        timings={
            "fit": fit_seconds,
            "shap": shap_seconds,
            "total": time.perf_counter() - started,
        },
    )
    return save_run(con, record, curves=curves, shap_values=long, shap_global=shap_global(long))


def _labeled_rows(frame: pl.DataFrame, options: TableTrainOptions) -> pl.DataFrame:
    """The rows with a target value, in the options' time slice."""
    if options.target not in frame.columns:
        raise ValueError(
            f"no target column {options.target!r} in {options.table}; "
            f"columns: {', '.join(frame.columns)}"
        )
    if (options.date_from or options.date_to) and not options.time_column:
        raise ValueError("date_from and date_to slice the rows by time: give time_column too")
    if options.time_column and options.time_column not in frame.columns:
        raise ValueError(f"no time column {options.time_column!r} in {options.table}")
    target = frame.get_column(options.target).cast(pl.String).str.strip_chars()
    frame = frame.with_columns(target.set(target == "", None).alias(options.target))
    frame = frame.filter(pl.col(options.target).is_not_null())
    if options.date_from is not None:
        frame = frame.filter(pl.col(options.time_column) >= options.date_from)
    if options.date_to is not None:
        frame = frame.filter(pl.col(options.time_column) < options.date_to)
    return frame


def _without(roles: ColumnRoles, flagged: list[str]) -> ColumnRoles:
    keep = lambda names: [n for n in names if n not in flagged]  # noqa: E731
    return ColumnRoles(
        target=roles.target,
        numeric=keep(roles.numeric),
        categorical=keep(roles.categorical),
        text=keep(roles.text),
        coerced=keep(roles.coerced),
        left_out=dict(roles.left_out),
    )


def _evaluate(y: np.ndarray, proba: np.ndarray, classes: list) -> tuple[dict, pl.DataFrame]:
    if len(classes) == 2:
        positive = (y == classes[1]).astype(int)
        metrics = binary_metrics(positive, proba[:, 1])
        metrics["positive_class"] = str(classes[1])
        return metrics, binary_curves(positive, proba[:, 1], str(classes[1]))
    return multiclass_metrics(y, proba, classes), multiclass_curves(y, proba, classes)


def _row_ids(sample: pl.DataFrame, id_column: str | None) -> np.ndarray:
    if id_column and sample.get_column(id_column).dtype.is_integer():
        return sample.get_column(id_column).to_numpy()
    return sample.get_column(ROW).to_numpy().astype(np.int64)

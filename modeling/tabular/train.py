"""`portrait train table`: the generic trainer for any labeled table in the warehouse.

Split on time when a time column is given (the latest fifth of rows is the holdout),
stratified otherwise. The leakage guard judges every feature; flagged features are left
out, and the metrics with them are recorded beside the result, never as it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import duckdb
import numpy as np
import polars as pl
from sklearn.model_selection import train_test_split

from modeling.evaluation import binary_curves, binary_metrics, multiclass_curves, multiclass_metrics
from modeling.explain import catboost_shap, shap_global, shap_long, stratified_sample
from modeling.leakage import LeakageRules, leakage_guard
from modeling.registry import RunRecord, data_fingerprint, save_run
from modeling.tabular.infer import ColumnRoles, check_target, infer_roles
from modeling.tabular.model import TableModel
from warehouse.db import table_exists

log = logging.getLogger(__name__)

HOLDOUT_SHARE = 0.2
ROW = "__row"  # position in the table: the SHAP row_id when there is no integer id


@dataclass
class TableTrainOptions:
    """What to train on and how (recorded in the run's params)."""

    table: str
    target: str
    id_column: str | None = None
    time_column: str | None = None
    shap_rows: int = 20_000
    include_flagged: bool = False
    iterations: int = 300
    seed: int = 42


def load_table(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """The whole table; its name must be an existing schema.table."""
    if table.count(".") != 1 or not table_exists(con, table):
        raise ValueError(
            f"no table {table!r} in the warehouse (load it with `portrait ingest --table`)"
        )
    con.complete()
    schema, name = table.split(".")
    # The relation API takes the (checked) name as an identifier: no SQL text is built.
    return pl.from_arrow(con.table(f'"{schema}"."{name}"').to_arrow_table())


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


def train_table_model(
    con: duckdb.DuckDBPyConnection,
    options: TableTrainOptions,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Train, evaluate, explain and register; returns run_id and the headline metrics."""
    step = progress or log.info
    started = time.perf_counter()
    frame = load_table(con, options.table)
    if options.target not in frame.columns:
        raise ValueError(
            f"no target column {options.target!r} in {options.table}; columns: {', '.join(frame.columns)}"
        )
    target = frame.get_column(options.target).cast(pl.String).str.strip_chars()
    frame = frame.with_columns(target.set(target == "", None).alias(options.target))
    frame = frame.filter(pl.col(options.target).is_not_null())
    classes = check_target(frame, options.target)
    roles = infer_roles(frame, options.target, options.id_column, options.time_column)
    frame = frame.with_row_index(ROW)
    if not roles.features:
        raise ValueError(f"{options.table} has no usable feature column: {roles.left_out}")
    step(f"{frame.height:,} labeled rows, {len(classes)} classes, features: {roles.features}")
    train, holdout, how = split(frame, options.target, options.time_column, options.seed)

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
    step(
        f"fitting CatBoost on {train.height:,} rows"
        + (f" (left out: {flagged})" if flagged else "")
    )
    model = TableModel(honest, iterations=options.iterations, random_seed=options.seed)
    y_train = train.get_column(options.target).to_numpy().astype(str)
    y_holdout = holdout.get_column(options.target).to_numpy().astype(str)
    model.fit(train, y_train)
    proba = model.predict_proba(holdout)
    metrics, curves = _evaluate(y_holdout, proba, model.classes_)
    if report.flagged and not options.include_flagged:
        leaky = TableModel(roles, iterations=options.iterations, random_seed=options.seed).fit(
            train, y_train
        )
        with_metrics, _ = _evaluate(y_holdout, leaky.predict_proba(holdout), leaky.classes_)
        metrics["with_flagged_features"] = {
            "features": report.flagged,
            **{
                k: with_metrics[k]
                for k in ("roc_auc", "roc_auc_macro", "roc_auc_by_class")
                if k in with_metrics
            },
            "note": "not the result: flagged features look too good to be true",
        }
    metrics["leakage"] = report.to_dict()
    metrics["split"] = how

    step("SHAP")
    sample = stratified_sample(holdout, options.target, options.shap_rows, seed=options.seed)
    values = np.concatenate([catboost_shap(model.model_, model.pool(sample))], axis=1)
    labels = (
        [str(model.classes_[-1])] if len(model.classes_) == 2 else [str(c) for c in model.classes_]
    )
    row_ids = _row_ids(sample, options.id_column)
    long = shap_long(row_ids, model.design(sample), values, labels)

    record = RunRecord(
        kind="table",
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
    )
    run_id = save_run(con, record, curves=curves, shap_values=long, shap_global=shap_global(long))
    headline = {
        k: metrics[k] for k in ("roc_auc", "roc_auc_macro", "roc_auc_by_class") if k in metrics
    }
    return {
        "run_id": run_id,
        **headline,
        "flagged": report.flagged,
        "seconds": time.perf_counter() - started,
    }


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

"""`portrait train segment`: features, leakage guard, fit, holdout evaluation, registry.

Validation is on time: the latest `holdout_days` days of labeled events are the
holdout. Unlabeled events are never trained on. The oracle (demo data only) is read in
the evaluation step alone, to measure the gap to the best possible model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import duckdb
import polars as pl

from modeling.contract import FlaggedComparison, Progress, Steps, TrainOptions, TrainResult
from modeling.explain import stratified_sample
from modeling.leakage import LeakageRules, leakage_guard
from modeling.registry import RunRecord, data_fingerprint, new_run_id, save_run
from modeling.segment.compare import compare_choices, winner_summary
from modeling.segment.evaluate import holdout_curves, holdout_metrics, oracle_matrix
from modeling.segment.explain import segment_shap
from modeling.segment.fast import fit_parts
from modeling.segment.features import CATEGORICAL, ID, NUMERIC, TARGET
from modeling.segment.metrics import SegmentMetrics
from modeling.segment.model import SegmentModel
from modeling.segment.store import write_holdout
from queries.segment_features import (
    ensure_segment_features,
    sample_per_million,
    segment_frequencies,
    segment_oracle,
    segment_period,
)
from queries.segment_parts import SegmentParts, segment_parts

log = logging.getLogger(__name__)

KIND = "segment"
STEPS = 5  # and one each for --compare and the flagged-features comparison model


@dataclass(frozen=True, kw_only=True)
class SegmentTrainOptions(TrainOptions):
    """Options of a segment training run (recorded in the run's params).

    `date_from`/`date_to` slice the labeled events by Moscow date; the holdout is the
    slice's latest `holdout_days` days. `iterations` sets the model's (default 150).
    """

    sample_rows: int | None = 2_000_000  # labeled training rows, hash-sampled beyond
    holdout_days: int = 7
    holdout_rows: int = 1_000_000  # holdout rows evaluated, hash-sampled when there are more
    guard_rows: int = 100_000  # rows the leakage guard looks at per period
    include_flagged: bool = False  # True trains the headline model with flagged features
    # A run trained only to be compared with another: registered with status
    # "comparison" (never the latest segment model) and without the second fit that
    # measures what the flagged features change.
    for_comparison: bool = False
    compare: bool = False
    compare_rows: int = 200_000
    rebuild_features: bool = False
    model: dict = field(default_factory=dict)  # SegmentModel hyper-parameters


def train_segment(
    con: duckdb.DuckDBPyConnection,
    options: SegmentTrainOptions | None = None,
    progress: Progress | None = None,
    *,
    extra_frame: pl.DataFrame | None = None,
    extra_categorical: Sequence[str] = (),
    extra_numeric: Sequence[str] = (),
) -> TrainResult[SegmentMetrics]:
    """Train, evaluate, explain and register a segment model; return its result.

    `extra_frame` (event_id plus columns) adds features joined on event_id, e.g. a
    behavioural cluster id: name its columns in `extra_categorical` or `extra_numeric`.
    Scoring such a run needs the same extra_frame (score_segment(..., extra_frame=)).
    """
    options = options or SegmentTrainOptions()
    step = Steps(progress, STEPS + options.compare)
    started = time.perf_counter()
    step("building features")
    ensure_segment_features(con, rebuild=options.rebuild_features)
    period = segment_period(con, options.holdout_days, options.date_from, options.date_to)
    holdout_start = period["holdout_start"]
    train, holdout = _frames(con, options, period)
    train, holdout = _join_extra(train, extra_frame), _join_extra(holdout, extra_frame)
    categorical = [*CATEGORICAL, *extra_categorical]
    numeric = [*NUMERIC, *extra_numeric]
    frequencies = segment_frequencies(con, holdout_start)

    step(f"leakage guard on {min(train.height, options.guard_rows):,} training rows")
    # Samples are joined into one row per event; the models are fitted on the parts.
    guard_frame = train.sample(options.guard_rows, options.seed).flat()
    later = holdout.sample(options.guard_rows, options.seed).flat()
    report = leakage_guard(
        guard_frame,
        TARGET,
        [*categorical, *numeric],
        time="event_date",
        later=later.drop(TARGET),
        rules=LeakageRules(seed=options.seed),
    )
    flagged = report.flagged
    honest_cat = [c for c in categorical if c not in flagged]
    honest_num = [c for c in numeric if c not in flagged]

    hyper = dict(options.model)
    if options.iterations is not None:
        hyper["iterations"] = options.iterations
    base = SegmentModel(
        categorical=tuple(honest_cat),
        numeric=tuple(honest_num),
        random_seed=options.seed,
        **hyper,
    )
    comparison = None
    if options.compare:
        step(f"comparing model choices on {min(train.height, options.compare_rows):,} rows")
        # compare_choices samples as below when given more rows: only the sample is joined.
        rows = (
            train
            if train.height <= options.compare_rows
            else train.sample(options.compare_rows, options.seed)
        )
        comparison = compare_choices(
            base,
            rows.flat(),
            frequencies,
            rows=options.compare_rows,
            seed=options.seed,
        )
        base = SegmentModel(**{**_params(base), **comparison["winner"]})

    y_train = train.events.get_column(TARGET).to_numpy()
    y_holdout = holdout.events.get_column(TARGET).to_numpy()
    holdout_ids = holdout.events.get_column(ID).to_numpy()
    oracle = oracle_matrix(holdout_ids, segment_oracle(con, holdout_start))

    with_flagged = SegmentModel(
        **{**_params(base), "categorical": tuple(categorical), "numeric": tuple(numeric)}
    )
    headline_model, other_model = (
        (with_flagged, base) if options.include_flagged else (base, with_flagged)
    )
    step(f"fitting {headline_model.strategy} model on {train.height:,} rows")
    fit_started = time.perf_counter()
    fit_parts(headline_model, train, y_train, frequencies)
    fit_seconds = time.perf_counter() - fit_started
    holdout_frame = holdout.flat()
    proba = headline_model.predict_proba(holdout_frame)
    metrics = SegmentMetrics.from_json(holdout_metrics(y_holdout, proba, oracle))
    metrics.flagged_features_included = options.include_flagged
    if flagged and not options.for_comparison:
        step.total += 1
        step(
            "fitting the comparison model "
            + ("without" if options.include_flagged else "with")
            + " flagged features"
        )
        fit_parts(other_model, train, y_train, frequencies)
        other = holdout_metrics(y_holdout, other_model.predict_proba(holdout_frame))
        beside = FlaggedComparison(
            features=flagged,
            roc_auc_macro=other["roc_auc_macro"],
            roc_auc_by_class=other["roc_auc_by_class"],
            log_loss=other["log_loss"],
            note="not the result: flagged features are properties of the export, not of users",
        )
        if options.include_flagged:
            metrics.without_flagged_features = beside
        else:
            metrics.with_flagged_features = beside
    metrics.leakage = report.to_dict()
    metrics.class_imbalance = {
        "train_share": {str(c): float((y_train == c).mean()) for c in headline_model.classes_},
        "class_weights": headline_model.class_weights or "none",
        "weights_used": headline_model.weights_.tolist(),
        "correction": "probabilities divided by the class weights and renormalised",
    }

    step(f"SHAP on {min(holdout.height, options.shap_rows):,} holdout rows")
    sample = holdout.with_events(
        stratified_sample(holdout.events, TARGET, options.shap_rows, seed=options.seed)
    ).flat()
    shap_started = time.perf_counter()
    shap_values, shap_global = segment_shap(
        headline_model, sample, sample.get_column(ID).to_numpy()
    )
    shap_seconds = time.perf_counter() - shap_started
    metrics.shap_rows_per_second = sample.height / max(shap_seconds, 1e-9)

    params = {
        **_params(headline_model),
        "options": asdict(options),
        "holdout_start": str(holdout_start),
        "period": {k: str(v) for k, v in period.items()},
        "train_rows": train.height,
        "holdout_rows": holdout.height,
        "extra_features": [*extra_categorical, *extra_numeric],
        "selection": comparison or "defaults (multiclass + tfidf), measured with --compare",
    }
    features = {
        "inputs": headline_model.input_columns_,
        "model_features": list(headline_model.feature_names_),
        "left_out": {} if options.include_flagged else report.to_dict()["reasons"],
    }
    notes = [f"holdout from {holdout_start} ({options.holdout_days} days)"]
    if flagged:
        notes.append(f"leakage guard flagged {', '.join(flagged)}")
    if comparison:
        notes.append(winner_summary(comparison))
    run_id = new_run_id()
    step("saving the run")
    curves = holdout_curves(y_holdout, proba)
    result = save_run(
        con,
        RunRecord(
            kind=KIND,
            target=TARGET,
            model=headline_model,
            params=params,
            features=features,
            metrics=metrics,
            # The event rows carry the keys of their app, place and device: enough to tell
            # what the model saw.
            data_fingerprint=data_fingerprint(train.events),
            notes="; ".join(notes),
            status="comparison" if options.for_comparison else "succeeded",
            timings={
                "fit": fit_seconds,
                "shap": shap_seconds,
                "total": time.perf_counter() - started,
            },
        ),
        run_id=run_id,
        curves=curves,
        shap_values=shap_values,
        shap_global=shap_global,
    )
    write_holdout(con, run_id, holdout_ids, y_holdout, proba)
    log.info("segment run %s in %.1f s", run_id, time.perf_counter() - started)
    return result


def _frames(con, options: SegmentTrainOptions, period: dict) -> tuple[SegmentParts, SegmentParts]:
    """The training and holdout events, in parts (queries.segment_parts.SegmentParts)."""
    start = period["holdout_start"]
    train = segment_parts(
        con,
        labeled=True,
        date_from=options.date_from,
        date_to=start,
        per_million=sample_per_million(period["train_rows"], options.sample_rows),
        seed=options.seed,
    )
    holdout = segment_parts(
        con,
        labeled=True,
        date_from=start,
        date_to=options.date_to,
        per_million=sample_per_million(period["holdout_rows"], options.holdout_rows),
        seed=options.seed + 1,
    )
    # DuckDB returns rows in no fixed order; sorting makes samples and folds reproducible.
    train, holdout = (parts.with_events(parts.events.sort(ID)) for parts in (train, holdout))
    if train.height == 0 or holdout.height == 0:
        raise ValueError(
            f"need labeled events both before and from {start} (holdout of "
            f"{options.holdout_days} days); found {train.height} and {holdout.height}"
        )
    missing = set(range(1, 6)) - set(train.events.get_column(TARGET).unique().to_list())
    if missing:
        raise ValueError(f"no training events of segment(s) {sorted(missing)}")
    return train, holdout


def _join_extra(parts: SegmentParts, extra: pl.DataFrame | None) -> SegmentParts:
    """Extra columns per event (extra_frame) joined onto the event rows."""
    if extra is None:
        return parts
    if ID not in extra.columns:
        raise ValueError("extra_frame needs an event_id column")
    return parts.with_events(parts.events.join(extra, on=ID, how="left", maintain_order="left"))


def _params(model: SegmentModel) -> dict:
    return {k: v for k, v in vars(model).items() if not k.endswith("_")}

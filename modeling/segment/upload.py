"""Score and explain ad events outside the warehouse: an uploaded file, or one scored event.

An uploaded file goes through a scratch warehouse (`modeling.scratch`): the same
validation as real ingestion, bad rows quarantined with their reasons. One scored event
of a serving snapshot is rebuilt from its exported fields (marts.event_inputs) in an
in-memory scratch. Either way the events are turned into the model's features by the
same queries the training and scoring jobs use, then scored and explained by a model
loaded from the registry of the given connection (a serving snapshot's, usually).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import polars as pl

from modeling.explain import shap_long
from modeling.registry import load_model_from, run_info
from modeling.scratch import Rows, memory_scratch, scratch_warehouse
from queries.runner import execute, run

log = logging.getLogger(__name__)
EXPLAIN_ROWS = 300
MODELS_KEPT = 4  # unpickled models kept by the process, newest used first


@dataclass
class ScoredUpload:
    """What scoring an uploaded file produced."""

    rows_read: int
    quarantine: pl.DataFrame
    predictions: pl.DataFrame
    shap: pl.DataFrame | None
    note: str = ""


@dataclass
class ExplainedEvent:
    """One scored event explained on demand from its exported fields and the stored model."""

    event_id: int
    run_id: str
    probabilities: dict[str, float]
    predicted: str
    shap: pl.DataFrame  # long form, as in ml.shap: row_id, class_label, feature, ...


_MODELS: OrderedDict[tuple, Any] = OrderedDict()
_MODELS_LOCK = threading.Lock()
_LOADING: dict[tuple, threading.Lock] = {}  # one loader per model; other callers wait for it


def run_model(registry: duckdb.DuckDBPyConnection, run_id: str, inputs: str):
    """The model of a run, unpickled once per process; refuses a model that needs extra inputs.

    Extra features (such as the cluster id of the cluster comparison) are joined by the
    training job, and `inputs` (what the rows come from, named in the message) does not
    carry them; a run whose model left them out (the leakage guard may) is fine.
    """
    info = run_info(registry, run_id)
    key = (run_id, str(info["created_at"]))
    with _MODELS_LOCK:
        loading = _LOADING.setdefault(key, threading.Lock())
    with loading:
        with _MODELS_LOCK:
            model = _MODELS.get(key)
            if model is not None:
                _MODELS.move_to_end(key)
        if model is None:
            model = load_model_from(registry, run_id)
            with _MODELS_LOCK:
                _MODELS[key] = model
                while len(_MODELS) > MODELS_KEPT:
                    _LOADING.pop(_MODELS.popitem(last=False)[0], None)
    extra = info["params"].get("extra_features") or []
    used = [c for c in extra if c in getattr(model, "input_columns_", extra)]
    if used:
        raise ValueError(
            f"run {run_id} was trained with extra features {used}, which {inputs} does not "
            "carry; pick a run without them"
        )
    return model


def _is_segment_model(model) -> bool:
    from modeling.segment.model import SegmentModel

    return isinstance(model, SegmentModel)


def _features(scratch: duckdb.DuckDBPyConnection, model) -> pl.DataFrame:
    """The model's input frame for every event of the scratch warehouse."""
    if _is_segment_model(model):
        from queries.segment_features import ensure_segment_features, segment_frame

        ensure_segment_features(scratch)
        return segment_frame(scratch, labeled=None)
    # Other models registered as kind 'segment' take the shared ad-event features.
    execute(scratch, "build_ad_event_features")
    return run(scratch, "scratch_ad_event_features")


def _explain(model, frame: pl.DataFrame) -> pl.DataFrame | None:
    """SHAP long form for up to EXPLAIN_ROWS rows, when the model can be explained."""
    sample = frame.head(EXPLAIN_ROWS)
    ids = sample.get_column("event_id").to_numpy()
    if _is_segment_model(model):
        from modeling.segment.explain import segment_shap

        return segment_shap(model, sample, ids)[0]
    if not hasattr(model, "shap_values"):
        return None
    names = list(getattr(model, "feature_names_", []))
    labels = [str(c) for c in model.classes_]
    return shap_long(ids, sample.select(names), np.asarray(model.shap_values(sample)), labels)


def _scores(model, features: pl.DataFrame) -> pl.DataFrame:
    """event_id, p_segment_<label> (rounded) and predicted_segment of every row."""
    proba = np.asarray(model.predict_proba(features))
    labels = [str(c) for c in model.classes_]
    return pl.DataFrame(
        {
            "event_id": features.get_column("event_id"),
            **{f"p_segment_{label}": np.round(proba[:, i], 4) for i, label in enumerate(labels)},
            "predicted_segment": [labels[i] for i in proba.argmax(axis=1)],
        }
    )


def score_upload(
    events: Rows,
    registry: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    reference: Mapping[str, pl.DataFrame] | None = None,
) -> ScoredUpload:
    """Validate, score and explain ad events (a CSV/Parquet file or a frame) with a run.

    `registry` is a connection whose `ml` schema holds the run (a serving snapshot's);
    `reference` replaces the shipped reference tables (see `scratch_warehouse`).
    """
    model = run_model(registry, run_id, "an uploaded file")
    with scratch_warehouse({"ad_events": events}, reference=reference) as scratch:
        loaded = scratch.loads["ad_events"]
        quarantine = scratch.quarantine()
        if loaded.rows_loaded:
            features = _features(scratch.con, model)
            shown = run(scratch.con, "scratch_shown_events")
        else:
            features = shown = pl.DataFrame()
    if features.height == 0:
        return ScoredUpload(
            loaded.rows_read, quarantine, pl.DataFrame(), None, "no valid rows to score"
        )
    predictions = shown.join(_scores(model, features), on="event_id", how="inner").sort("event_id")
    shap = _explain(model, features)
    note = "" if shap is not None else "this model kind does not expose SHAP values"
    return ScoredUpload(loaded.rows_read, quarantine, predictions, shap, note)


def explain_event(
    serving: duckdb.DuckDBPyConnection,
    run_id: str,
    event_id: int,
    reference: Mapping[str, pl.DataFrame],
) -> ExplainedEvent:
    """Score and explain one scored event with a run, from the serving snapshot alone.

    `reference` holds the snapshot's ref tables by name (the feature queries join them).
    """
    model = run_model(serving, run_id, "an event's exported fields")
    inputs = run(serving, "dashboard_event_input", {"event_id": event_id})
    if inputs.height == 0:
        raise ValueError(
            f"event {event_id} has no exported fields in the snapshot (marts.event_inputs); "
            "run `portrait publish` to rebuild it"
        )
    with memory_scratch({"ad_events": inputs}, reference) as scratch:
        features = _features(scratch, model)
    shap = _explain(model, features)
    if shap is None:
        raise ValueError(f"run {run_id}: this model kind does not expose SHAP values")
    scores = _scores(model, features).row(0, named=True)
    predicted = str(scores.pop("predicted_segment"))
    scores.pop("event_id")
    probabilities = {key.removeprefix("p_segment_"): value for key, value in scores.items()}
    return ExplainedEvent(event_id, run_id, probabilities, predicted, shap)

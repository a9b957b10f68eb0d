"""Score and explain ad events outside the warehouse: an uploaded file, or one scored event.

An uploaded file is ingested into a scratch warehouse in a temporary folder with the
same validation as real ingestion (warehouse.ingest: bad rows are quarantined with their
reasons). One scored event of the predictions table is copied from the snapshot's
marts.event_inputs into an in-memory scratch. Either way the scratch is enriched with
reference tables, turned into the model's features by the same queries the scoring job
uses, then scored and explained by a model loaded from the serving snapshot.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

from modeling.explain import shap_long
from modeling.registry import load_model_from, run_info
from queries.runner import execute, run
from warehouse.db import connect, fetch_frame
from warehouse.ingest import ingest_file
from warehouse.reference import load_reference

log = logging.getLogger(__name__)
EXPLAIN_ROWS = 300
MODELS_KEPT = 4  # unpickled models kept by the process, newest used first
SHOWN_COLUMNS = ("event_id", "segment", "gamecategory", "bundle", "oblast", "local_hour")


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


def run_model(serving: duckdb.DuckDBPyConnection, run_id: str, inputs: str):
    """The model of a run, unpickled once per process; refuses a model that needs extra inputs.

    Extra features (such as the cluster id of the cluster comparison) are joined by the
    training job, and `inputs` (what the rows come from, named in the message) does not
    carry them; a run whose model left them out (the leakage guard may) is fine.
    """
    info = run_info(serving, run_id)
    key = (run_id, str(info["created_at"]))
    with _MODELS_LOCK:
        loading = _LOADING.setdefault(key, threading.Lock())
    with loading:
        with _MODELS_LOCK:
            model = _MODELS.get(key)
            if model is not None:
                _MODELS.move_to_end(key)
        if model is None:
            model = load_model_from(serving, run_id)
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
    return fetch_frame(scratch, "select * from features.ad_events order by event_id")


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
    csv_path: str | Path, serving: duckdb.DuckDBPyConnection, run_id: str
) -> ScoredUpload:
    """Validate, score and explain an uploaded ad-events file with a registered run."""
    model = run_model(serving, run_id, "an uploaded file")
    with tempfile.TemporaryDirectory(prefix="portrait-score-") as folder:
        scratch = connect(Path(folder) / "scratch.duckdb")
        try:
            load_reference(scratch)
            loaded = ingest_file(scratch, Path(csv_path), contract="ad_events")
            quarantine = fetch_frame(
                scratch,
                "select line_number, column_name, reason, raw_text from ops.quarantine "
                "order by line_number",
            )
            features = _features(scratch, model) if loaded.rows_loaded else pl.DataFrame()
            shown = (
                fetch_frame(
                    scratch,
                    "select event_id, segment, gamecategory, bundle, oblast, local_hour "
                    "from features.ad_events order by event_id",
                )
                if loaded.rows_loaded
                else pl.DataFrame()
            )
        finally:
            scratch.close()
    if features.height == 0:
        return ScoredUpload(
            loaded.rows_read, quarantine, pl.DataFrame(), None, "no valid rows to score"
        )
    predictions = shown.join(_scores(model, features), on="event_id", how="inner").sort("event_id")
    shap = _explain(model, features)
    note = "" if shap is not None else "this model kind does not expose SHAP values"
    return ScoredUpload(loaded.rows_read, quarantine, predictions, shap, note)


def _event_scratch(
    inputs: pl.DataFrame, reference: dict[str, pl.DataFrame]
) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse holding only these exported events and the reference tables.

    Running every migration would cost about 170 ms a click; the feature queries read
    raw.ad_events and ref.* and write to the features schema, nothing else.
    """
    scratch = duckdb.connect(":memory:")
    for schema in ("raw", "ref", "features"):
        scratch.execute(f"create schema {schema}")
    tables = {"raw.ad_events": inputs} | {f'ref."{n}"': f for n, f in reference.items()}
    for i, (name, frame) in enumerate(tables.items()):
        scratch.register(f"scratch_{i}", frame.to_arrow())
        # Names are ours (raw.ad_events) or the snapshot catalog's (ref tables).
        scratch.execute(f"create table {name} as select * from scratch_{i}")
    return scratch


def explain_event(
    serving: duckdb.DuckDBPyConnection,
    run_id: str,
    event_id: int,
    reference: dict[str, pl.DataFrame],
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
    scratch = _event_scratch(inputs, reference)
    try:
        features = _features(scratch, model)
    finally:
        scratch.close()
    shap = _explain(model, features)
    if shap is None:
        raise ValueError(f"run {run_id}: this model kind does not expose SHAP values")
    scores = _scores(model, features).row(0, named=True)
    predicted = str(scores.pop("predicted_segment"))
    scores.pop("event_id")
    probabilities = {key.removeprefix("p_segment_"): value for key, value in scores.items()}
    return ExplainedEvent(event_id, run_id, probabilities, predicted, shap)

"""Score an uploaded file of ad events without touching the warehouse.

The file is ingested into a scratch warehouse in a temporary folder with the same
validation as real ingestion (warehouse.ingest: bad rows are quarantined with their
reasons), enriched with the reference tables, turned into the model's features by the
same queries the scoring job uses, then scored and explained by a model loaded from the
serving snapshot.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from modeling.explain import shap_long
from modeling.registry import load_model_from, run_info
from queries.runner import execute
from warehouse.db import connect, fetch_frame
from warehouse.ingest import ingest_file
from warehouse.reference import load_reference

log = logging.getLogger(__name__)
EXPLAIN_ROWS = 300
SHOWN_COLUMNS = ("event_id", "segment", "gamecategory", "bundle", "oblast", "local_hour")


@dataclass
class ScoredUpload:
    """What scoring an uploaded file produced."""

    rows_read: int
    quarantine: pl.DataFrame
    predictions: pl.DataFrame
    shap: pl.DataFrame | None
    note: str = ""


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


def score_upload(
    csv_path: str | Path, serving: duckdb.DuckDBPyConnection, run_id: str
) -> ScoredUpload:
    """Validate, score and explain an uploaded ad-events file with a registered run."""
    extra = run_info(serving, run_id)["params"].get("extra_features") or []
    if extra:
        raise ValueError(
            f"run {run_id} was trained with extra features {extra}, which an uploaded file "
            "does not carry; pick a run without them"
        )
    model = load_model_from(serving, run_id)
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
    proba = np.asarray(model.predict_proba(features))
    labels = [str(c) for c in model.classes_]
    scores = pl.DataFrame(
        {
            "event_id": features.get_column("event_id"),
            **{f"p_segment_{label}": np.round(proba[:, i], 4) for i, label in enumerate(labels)},
            "predicted_segment": [labels[i] for i in proba.argmax(axis=1)],
        }
    )
    predictions = shown.join(scores, on="event_id", how="inner").sort("event_id")
    shap = _explain(model, features)
    note = "" if shap is not None else "this model kind does not expose SHAP values"
    return ScoredUpload(loaded.rows_read, quarantine, predictions, shap, note)

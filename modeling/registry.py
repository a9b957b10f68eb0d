"""The model registry in the `ml` schema: save a run, list runs, load a model back.

From Python, two lines give a model that predicts:

    from modeling.registry import load_model
    model = load_model("3f9c1a2b7d4e")          # or load_model(kind="segment")

Artifacts are pickled by this module and carry a SHA-256 that is checked before
loading; only artifacts written by this registry are ever unpickled.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import platform
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from typing import Any
from uuid import uuid4

import duckdb
import polars as pl

from modeling.contract import Metrics, TrainResult, to_plain
from modeling.kinds import metrics_type
from queries.runner import execute, run
from warehouse.db import connect, transaction

log = logging.getLogger(__name__)

TRACKED_LIBRARIES = ("catboost", "scikit-learn", "numpy", "polars", "duckdb", "shap", "phik")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TRACKED_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def data_fingerprint(frame: pl.DataFrame) -> str:
    """A short hash of a training frame: its shape, columns and content."""
    digest = hashlib.sha256()
    digest.update(f"{frame.height}:{frame.columns}:{frame.dtypes}".encode())
    digest.update(frame.hash_rows(seed=0).sum().to_bytes(8, "little", signed=False))
    return digest.hexdigest()[:16]


@dataclass
class RunRecord:
    """What a training run hands to the registry."""

    kind: str
    target: str
    model: Any
    params: dict
    features: dict | list
    # The kind's typed metrics (a plain dict is read as the kind's metrics type).
    metrics: Metrics | dict
    data_fingerprint: str
    notes: str = ""
    # "comparison": trained only to be compared with another run; latest_run_id skips it.
    status: str = "succeeded"
    timings: dict[str, float] = field(default_factory=dict)


def new_run_id() -> str:
    return uuid4().hex[:12]


def save_run(
    con: duckdb.DuckDBPyConnection,
    record: RunRecord,
    *,
    run_id: str | None = None,
    curves: pl.DataFrame | None = None,
    shap_values: pl.DataFrame | None = None,
    shap_global: pl.DataFrame | None = None,
) -> TrainResult:
    """Store a run with its curves and SHAP sample in one transaction; return its result.

    `curves` has columns curve, class_label, point, x, y, threshold; `shap_values`
    row_id, class_label, feature, feature_value, shap_value; `shap_global`
    class_label, feature, mean_abs_shap.
    """
    run_id = run_id or new_run_id()
    metrics = _typed(record.kind, record.metrics)
    artifact = pickle.dumps(record.model, protocol=pickle.HIGHEST_PROTOCOL)
    created_at = datetime.now()
    timings = {k: round(float(v), 3) for k, v in record.timings.items()}
    with transaction(con):
        execute(
            con,
            "registry_insert_run",
            {
                "run_id": run_id,
                "kind": record.kind,
                "target": record.target,
                "created_at": created_at,
                "params": json.dumps(record.params, default=_json_value),
                "features": json.dumps(record.features, default=_json_value),
                "metrics": json.dumps(metrics.to_json(), default=_json_value),
                "data_fingerprint": record.data_fingerprint,
                "library_versions": json.dumps(library_versions()),
                "status": record.status,
                "artifact": artifact,
                "artifact_sha256": hashlib.sha256(artifact).hexdigest(),
                "notes": record.notes,
                "timings": json.dumps(timings),
            },
        )
        for table, frame in (
            ("ml.curves", curves),
            ("ml.shap", shap_values),
            ("ml.shap_global", shap_global),
        ):
            if frame is not None and frame.height:
                _insert_frame(con, table, frame.with_columns(pl.lit(run_id).alias("run_id")))
    log.info("registered %s run %s", record.kind, run_id)
    return TrainResult(
        run_id=run_id,
        kind=record.kind,
        target=record.target,
        metrics=metrics,
        status=record.status,
        notes=record.notes,
        timings=timings,
        curves=curves,
        created_at=created_at,
    )


def _typed(kind: str, metrics: Metrics | dict) -> Metrics:
    return metrics if isinstance(metrics, Metrics) else metrics_type(kind).from_json(metrics)


def _json_value(value: Any) -> Any:
    # numpy scalars and arrays, dates and dataclasses reach params and features.
    plain = to_plain(value)
    return plain if plain is not value else str(value)


# The registry's own tables: the only names _insert_frame writes to.
RESULT_TABLES = ("ml.curves", "ml.shap", "ml.shap_global")


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if table not in RESULT_TABLES:
        raise ValueError(f"the registry writes only {RESULT_TABLES}, not {table!r}")
    con.complete()
    columns = con.table(table).columns
    con.from_arrow(frame.select(columns).to_arrow()).insert_into(table)


def latest_run_id(con: duckdb.DuckDBPyConnection, kind: str) -> str:
    found = run(con, "registry_latest_run", {"kind": kind})
    if found.is_empty():
        raise ValueError(f"no {kind} model in the registry; train one with `portrait train {kind}`")
    return found.item(0, "run_id")


def run_info(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """The registry row of a run, JSON columns decoded, without the artifact."""
    found = run(con, "registry_run", {"run_id": run_id})
    if found.is_empty():
        raise ValueError(f"no run {run_id!r} in ml.model_runs")
    info = found.row(0, named=True)
    for key in ("params", "features", "metrics", "library_versions", "timings"):
        info[key] = json.loads(info[key]) if info[key] is not None else {}
    return info


def load_result(
    con: duckdb.DuckDBPyConnection, run_id: str | None = None, *, kind: str | None = None
) -> TrainResult:
    """The typed result of a registered run (by run id, or the latest of a kind)."""
    run_id = _chosen_run(con, run_id, kind)
    info = run_info(con, run_id)
    return TrainResult(
        run_id=run_id,
        kind=info["kind"],
        target=info["target"],
        metrics=_typed(info["kind"], info["metrics"]),
        status=info["status"],
        notes=info["notes"] or "",
        timings=info["timings"],
        curves=run(con, "registry_curves", {"run_id": run_id}),
        created_at=info["created_at"],
    )


def list_runs(con: duckdb.DuckDBPyConnection, kind: str | None = None) -> pl.DataFrame:
    """Runs, newest first, with their headline metric."""
    return run(con, "registry_runs", {"kind": kind})


def _chosen_run(con: duckdb.DuckDBPyConnection, run_id: str | None, kind: str | None) -> str:
    if run_id is not None:
        return run_id
    if kind is None:
        raise ValueError("give a run_id or a kind")
    return latest_run_id(con, kind)


def load_model_from(
    con: duckdb.DuckDBPyConnection, run_id: str | None = None, kind: str | None = None
):
    """Load a model from an open connection; see load_model."""
    run_id = _chosen_run(con, run_id, kind)
    found = run(con, "registry_artifact", {"run_id": run_id})
    if found.is_empty():
        raise ValueError(f"no run {run_id!r} in ml.model_runs")
    artifact, expected_sha, trained_with = found.row(0)
    if artifact is None:
        raise ValueError(f"run {run_id!r} has no stored model")
    if hashlib.sha256(artifact).hexdigest() != expected_sha:
        raise ValueError(
            f"run {run_id!r}: stored model does not match its checksum; refusing to load"
        )
    trained_with = json.loads(trained_with)
    now = library_versions()
    changed = {k: (v, now.get(k)) for k, v in trained_with.items() if now.get(k) != v}
    if changed:
        log.warning("run %s was trained with other library versions: %s", run_id, changed)
    model = pickle.loads(artifact)  # noqa: S301 - our own checksummed artifact
    model.run_id_ = run_id
    return model


def load_model(run_id: str | None = None, *, kind: str | None = None, db: str | None = None):
    """Load a registered model (by run id, or the latest of a kind) ready to predict."""
    con = connect(db, read_only=True)
    try:
        return load_model_from(con, run_id, kind)
    finally:
        con.close()

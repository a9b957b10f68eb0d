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
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from typing import Any
from uuid import uuid4

import duckdb
import polars as pl

from warehouse.db import connect, fetch_frame, transaction

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
    metrics: dict
    data_fingerprint: str
    notes: str = ""
    # "comparison": trained only to be compared with another run; latest_run_id skips it.
    status: str = "succeeded"


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
) -> str:
    """Store a run with its curves and SHAP sample in one transaction; return its run_id.

    `curves` has columns curve, class_label, point, x, y, threshold; `shap_values`
    row_id, class_label, feature, feature_value, shap_value; `shap_global`
    class_label, feature, mean_abs_shap.
    """
    run_id = run_id or new_run_id()
    artifact = pickle.dumps(record.model, protocol=pickle.HIGHEST_PROTOCOL)
    with transaction(con):
        con.execute(
            "insert into ml.model_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                record.kind,
                record.target,
                datetime.now(),
                json.dumps(record.params, default=str),
                json.dumps(record.features, default=str),
                json.dumps(record.metrics, default=_json_number),
                record.data_fingerprint,
                json.dumps(library_versions()),
                record.status,
                artifact,
                hashlib.sha256(artifact).hexdigest(),
                record.notes,
            ],
        )
        for table, frame in (
            ("ml.curves", curves),
            ("ml.shap", shap_values),
            ("ml.shap_global", shap_global),
        ):
            if frame is not None and frame.height:
                _insert_frame(con, table, frame.with_columns(pl.lit(run_id).alias("run_id")))
    log.info("registered %s run %s", record.kind, run_id)
    return run_id


def _json_number(value: Any) -> Any:
    # numpy scalars and arrays reach the metrics dict from sklearn; store them as plain JSON.
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    columns = [row[0] for row in con.execute(f"describe {table}").fetchall()]
    arrow_frame = frame.select(columns).to_arrow()  # noqa: F841 - read by DuckDB below
    con.execute(f"insert into {table} select * from arrow_frame")


def latest_run_id(con: duckdb.DuckDBPyConnection, kind: str) -> str:
    row = con.execute(
        "select run_id from ml.model_runs where kind = ? and status = 'succeeded' "
        "order by created_at desc limit 1",
        [kind],
    ).fetchone()
    if row is None:
        raise ValueError(f"no {kind} model in the registry; train one with `portrait train {kind}`")
    return row[0]


def run_info(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """The registry row of a run, JSON columns decoded, without the artifact."""
    cursor = con.execute(
        "select run_id, kind, target, created_at, params, features, metrics, "
        "data_fingerprint, library_versions, status, notes from ml.model_runs where run_id = ?",
        [run_id],
    )
    row = cursor.fetchone()
    if row is None:
        raise ValueError(f"no run {run_id!r} in ml.model_runs")
    info = dict(zip([d[0] for d in cursor.description], row, strict=True))
    for key in ("params", "features", "metrics", "library_versions"):
        info[key] = json.loads(info[key])
    return info


def list_runs(con: duckdb.DuckDBPyConnection, kind: str | None = None) -> pl.DataFrame:
    """Runs, newest first, with their headline metric."""
    return fetch_frame(
        con,
        """
        select run_id, kind, target, created_at, status,
               coalesce(metrics->>'roc_auc_macro', metrics->>'roc_auc', metrics->>'phik') as headline,
               data_fingerprint
        from ml.model_runs
        where $kind is null or kind = $kind
        order by created_at desc
        """,
        {"kind": kind},
    )


def load_model_from(
    con: duckdb.DuckDBPyConnection, run_id: str | None = None, kind: str | None = None
):
    """Load a model from an open connection; see load_model."""
    if run_id is None:
        if kind is None:
            raise ValueError("give a run_id or a kind")
        run_id = latest_run_id(con, kind)
    row = con.execute(
        "select artifact, artifact_sha256, library_versions from ml.model_runs where run_id = ?",
        [run_id],
    ).fetchone()
    if row is None:
        raise ValueError(f"no run {run_id!r} in ml.model_runs")
    artifact, expected_sha, trained_with = row
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

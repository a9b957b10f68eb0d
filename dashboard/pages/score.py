"""Score a file: upload ad events, validate them like ingestion, score and explain them."""

from __future__ import annotations

import asyncio
import io
import tempfile
from pathlib import Path

import panel as pn
import param
from panel.viewable import Viewer

from dashboard.charts.shap import waterfall_plot
from dashboard.store import DataStore
from dashboard.views.common import missing_tables, offer_runs, table
from modeling.segment.upload import ScoredUpload, score_upload
from queries.cubes import rebuild_and_publish
from warehouse.db import WarehouseLocked, connect, pipeline_step
from warehouse.ingest import LoadResult, ingest_file

UPLOADS = Path(tempfile.gettempdir()) / "portrait-uploads"
INGEST_WAIT_SECONDS = 120.0


def ingest_and_publish(warehouse: str, path: Path, wait_seconds: float) -> LoadResult:
    """Ingest one ad-events file into the warehouse and publish a new snapshot, as
    `portrait ingest` followed by `portrait publish` would; raises WarehouseLocked when
    another job holds the writer lock for longer than `wait_seconds`."""
    con = connect(warehouse, wait_seconds=wait_seconds)
    try:
        with pipeline_step(con, "ingest") as step:
            loaded = ingest_file(con, path, contract="ad_events")
            step["message"] = f"{path.name}: {loaded.rows_loaded:,} loaded from the dashboard"
        rebuild_and_publish(con)
    finally:
        con.close()
    return loaded


class ScorePage(Viewer):
    """Upload a CSV of ad events; see bad rows, predictions and SHAP; optionally ingest it.

    Scoring and ingesting run in a worker thread (asyncio.to_thread from an async
    callback), so the page stays responsive while a model loads or a writer lock is held.
    """

    store = param.ClassSelector(class_=DataStore, doc="Session store.")
    result = param.Parameter(default=None, doc="ScoredUpload of the last file.")
    ingest_wait = param.Number(
        default=INGEST_WAIT_SECONDS,
        bounds=(0, None),
        doc="Seconds to wait for another job's writer lock before giving up an ingest.",
    )

    def __init__(self, **params):
        super().__init__(**params)
        self._file = pn.widgets.FileInput(accept=".csv", label="Ad events CSV")
        self._run = pn.widgets.Select(label="Segment run", options={}, width=320)
        self._go = pn.widgets.Button(label="Validate and score", color="primary")
        self._ingest = pn.widgets.Button(
            label="Ingest this file into the warehouse", color="warning", disabled=True
        )
        self.status = pn.pane.Markdown("", css_classes=["score-status"])
        self._row = pn.widgets.Select(label="Explain event", options=[], width=200)
        self._go.on_click(self._score_clicked)
        self._ingest.on_click(self._ingest_clicked)

    @staticmethod
    def _save(data: bytes, filename: str | None) -> Path:
        UPLOADS.mkdir(parents=True, exist_ok=True)
        saved = UPLOADS / (Path(filename or "upload.csv").stem + ".csv")
        saved.write_bytes(data)
        return saved

    def _score_in_thread(self, path: Path, run_id: str) -> ScoredUpload:
        reference = self.store.reference_tables()
        cursor = self.store.serving.connection()
        try:
            return score_upload(path, cursor, run_id, reference=reference)
        finally:
            cursor.close()

    async def score_file(self, data: bytes, filename: str | None, run_id: str) -> None:
        """Validate, score and explain an upload off the event loop; show how it went."""
        path = self._save(data, filename)
        self._go.loading = True
        self.status.object = f"Scoring {path.name} ..."
        try:
            result = await asyncio.to_thread(self._score_in_thread, path, run_id)
        except Exception as error:  # noqa: BLE001 - a bad upload must not break the session
            self.status.object = f"Could not score the file: {error}"
            return
        finally:
            self._go.loading = False
        self.status.object = (
            f"Read {result.rows_read:,} rows: {result.predictions.height:,} scored, "
            f"{result.quarantine.height:,} quarantined. Nothing was written to the warehouse. {result.note}"
        )
        if result.shap is not None:
            self._row.options = sorted(set(result.shap.get_column("row_id").to_list()))[:500]
        self._ingest.disabled = False
        self.result = result

    async def ingest(self, data: bytes, filename: str | None) -> None:
        """Ingest an upload into the warehouse the snapshot came from, then publish.

        Waits (off the event loop) up to `ingest_wait` seconds for a running job's lock.
        """
        path = self._save(data, filename)
        warehouse = str(self.store.query("dashboard_published").get_column("source_db")[0])
        self._ingest.loading = True
        self.status.object = (
            f"Ingesting {path.name} (waiting for the warehouse if a job is writing) ..."
        )
        try:
            loaded = await asyncio.to_thread(ingest_and_publish, warehouse, path, self.ingest_wait)
        except WarehouseLocked:
            self.status.object = (
                f"Not ingested: another job held the warehouse's writer lock for more than "
                f"{self.ingest_wait:.0f} s. Nothing was written; try again when it has finished."
            )
            return
        except Exception as error:  # noqa: BLE001 - shown to the user, the session goes on
            self.status.object = f"Ingest failed: {error}"
            return
        finally:
            self._ingest.loading = False
        self.status.object = (
            f"Ingested {path.name}: {loaded.rows_loaded:,} rows loaded, "
            f"{loaded.rows_quarantined:,} quarantined"
            + (" (this file was already loaded; nothing new)" if loaded.skipped else "")
            + ". A new snapshot is published; the views pick it up by themselves."
        )

    async def _score_clicked(self, _event) -> None:
        if not self._file.value:
            self.status.object = "Choose a CSV file first."
            return
        await self.score_file(self._file.value, self._file.filename, self._run.value)

    async def _ingest_clicked(self, _event) -> None:
        if self._file.value:
            await self.ingest(self._file.value, self._file.filename)

    def _results(self, result: ScoredUpload | None, row_id):
        if result is None:
            return pn.pane.Markdown("Upload a file and press *Validate and score*.")
        parts = []
        if result.quarantine.height:
            parts += [
                pn.pane.Markdown("### Rejected rows and why"),
                table(result.quarantine, page_size=8),
            ]
        if result.predictions.height:
            buffer = io.BytesIO()
            result.predictions.write_csv(buffer)
            parts += [
                pn.pane.Markdown("### Predictions"),
                table(result.predictions, page_size=10, css_classes=["score-predictions"]),
                pn.widgets.FileDownload(
                    io.BytesIO(buffer.getvalue()),
                    filename="predictions.csv",
                    label="Download predictions CSV",
                    color="success",
                    width=240,
                ),
            ]
        if result.shap is not None and row_id is not None:
            rows = result.shap.filter(result.shap["row_id"] == row_id)
            predicted = result.predictions.filter(
                result.predictions["event_id"] == row_id
            ).get_column("predicted_segment")
            label = predicted[0] if predicted.len() else "1"
            contributions = rows.filter(rows["class_label"] == label)
            parts += [
                self._row,
                pn.pane.HoloViews(
                    waterfall_plot(contributions, f"Event {row_id}: why segment {label}"),
                    sizing_mode="stretch_width",
                ),
            ]
            shap_buffer = io.BytesIO()
            result.shap.write_csv(shap_buffer)
            parts.append(
                pn.widgets.FileDownload(
                    io.BytesIO(shap_buffer.getvalue()),
                    filename="shap.csv",
                    label="Download SHAP CSV",
                    width=200,
                )
            )
        return pn.Column(*parts, sizing_mode="stretch_width")

    def __panel__(self) -> pn.viewable.Viewable:
        header = pn.pane.Markdown(
            "## Score a file\nUpload a CSV export of ad events (the ingestion contract: Segment, "
            "gamecategory, subgamecategory, bundle, created, shift, oblast, city, os, osv). It is "
            "validated like ingestion, scored by the chosen run and explained; nothing is written "
            "to the warehouse unless you press *Ingest*."
        )
        runs = (
            self.store.query("dashboard_runs_of_kind", {"kind": "segment"})
            if self.store.available()
            else None
        )
        if runs is None or runs.height == 0:
            return pn.Column(
                header,
                missing_tables(self.store, "ml.shap")
                or pn.pane.Markdown("No segment run: run `portrait train segment`."),
            )
        offer_runs(self._run, runs)
        self.param.watch(
            lambda e: setattr(
                self._row, "value", self._row.options[0] if self._row.options else None
            ),
            "result",
        )
        return pn.Column(
            header,
            pn.Row(self._file, self._run, self._go, self._ingest),
            self.status,
            pn.panel(
                pn.bind(self._results, self.param.result, self._row), sizing_mode="stretch_width"
            ),
            sizing_mode="stretch_width",
        )

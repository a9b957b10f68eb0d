"""Score a file: upload ad events, validate them like ingestion, score and explain them."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

import panel as pn
import param
from panel.viewable import Viewer

from dashboard.charts.shap import waterfall_plot
from dashboard.store import DataStore
from dashboard.views.common import missing_tables, run_options, table
from modeling.segment.upload import ScoredUpload, score_upload

UPLOADS = Path(tempfile.gettempdir()) / "portrait-uploads"


class ScorePage(Viewer):
    """Upload a CSV of ad events; see bad rows, predictions and SHAP; optionally ingest it."""

    store = param.ClassSelector(class_=DataStore, doc="Session store.")
    result = param.Parameter(default=None, doc="ScoredUpload of the last file.")

    def __init__(self, **params):
        super().__init__(**params)
        self._file = pn.widgets.FileInput(accept=".csv", label="Ad events CSV")
        self._run = pn.widgets.Select(label="Segment run", options={}, width=320)
        self._go = pn.widgets.Button(label="Validate and score", color="primary")
        self._ingest = pn.widgets.Button(
            label="Ingest this file into the warehouse", color="warning", disabled=True
        )
        self._status = pn.pane.Markdown("", css_classes=["score-status"])
        self._row = pn.widgets.Select(label="Explain event", options=[], width=200)
        self._go.on_click(self._score)
        self._ingest.on_click(self._ingest_file)
        self._saved: Path | None = None

    def _score(self, _event) -> None:
        if not self._file.value:
            self._status.object = "Choose a CSV file first."
            return
        UPLOADS.mkdir(parents=True, exist_ok=True)
        self._saved = UPLOADS / (Path(self._file.filename or "upload.csv").stem + ".csv")
        self._saved.write_bytes(self._file.value)
        self._go.loading = True
        try:
            cursor = self.store.serving.connection()
            result = score_upload(self._saved, cursor, self._run.value)
        except Exception as error:  # noqa: BLE001 - a bad upload must not break the session
            self._status.object = f"Could not score the file: {error}"
            return
        finally:
            self._go.loading = False
        self._status.object = (
            f"Read {result.rows_read:,} rows: {result.predictions.height:,} scored, "
            f"{result.quarantine.height:,} quarantined. Nothing was written to the warehouse. {result.note}"
        )
        if result.shap is not None:
            self._row.options = sorted(set(result.shap.get_column("row_id").to_list()))[:500]
        self._ingest.disabled = False
        self.result = result

    def _ingest_file(self, _event) -> None:
        # The dashboard never opens the warehouse; the command line does the writing and
        # waits for the lock if a job holds it.
        if self._saved is None:
            return
        warehouse = self.store.query("dashboard_published").get_column("source_db")[0]
        done = subprocess.run(  # noqa: S603 - our own command line, arguments from our state
            [
                sys.executable,
                "-m",
                "portrait.cli",
                "--db",
                warehouse,
                "ingest",
                str(self._saved),
                "--contract",
                "ad_events",
            ],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        self._status.object = (
            f"Ingested {self._saved.name}: {done.stdout.strip()[-500:]}"
            if done.returncode == 0
            else f"Ingest failed: {(done.stderr or done.stdout).strip()[-500:]}"
        )

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
        self._run.options = run_options(runs)
        self._run.value = runs.get_column("run_id")[0]
        self.param.watch(
            lambda e: setattr(
                self._row, "value", self._row.options[0] if self._row.options else None
            ),
            "result",
        )
        return pn.Column(
            header,
            pn.Row(self._file, self._run, self._go, self._ingest),
            self._status,
            pn.panel(
                pn.bind(self._results, self.param.result, self._row), sizing_mode="stretch_width"
            ),
            sizing_mode="stretch_width",
        )

"""Predictions and quality: curves, confusion at a threshold, score distributions, scored rows."""

from __future__ import annotations

import io

import holoviews as hv
import panel as pn
import param
from panel.viewable import Viewer

from dashboard.analysis import threshold_metrics
from dashboard.charts.segment_quality import load_segment_quality, quality_curve
from dashboard.store import DataStore
from dashboard.views.common import missing_tables, offer_runs
from dashboard.views.shap import WaterfallView

SEGMENTS = ["1", "2", "3", "4", "5"]
TABLE_ROWS = 2000


class PredictionsPage(Viewer):
    """Pick a segment run; see its quality on the holdout and its scored rows."""

    store = param.ClassSelector(class_=DataStore, doc="Session store.")

    def __init__(self, **params):
        super().__init__(**params)
        self._run = pn.widgets.Select(label="Segment run", options={}, width=320)
        self._segment = pn.widgets.Select(label="Segment", options=SEGMENTS, value="3", width=120)
        self._threshold = pn.widgets.FloatSlider(
            label="Threshold", start=0.0, end=1.0, step=0.01, value=0.5, width=320
        )
        self._gain_or_lift = pn.widgets.RadioButtonGroup(options=["gain", "lift"], value="gain")
        self._predicted = pn.widgets.Select(
            label="Predicted segment", options=["all", *SEGMENTS], value="all", width=150
        )
        self._min_score = pn.widgets.FloatSlider(
            label="Minimum top score", start=0, end=1, step=0.05, value=0, width=220
        )
        self._explained = pn.widgets.Checkbox(
            label="Stored SHAP sample only", value=False, css_classes=["sampled-only"]
        )
        self._run.param.watch(lambda e: setattr(self.store, "segment_run", e.new or ""), "value")

    def _curve(self, run_id: str, curve: str, segment: str):
        return quality_curve(load_segment_quality(self.store, run_id), curve, highlight=segment)

    def _threshold_view(self, run_id: str, segment: str, threshold: float):
        counts = self.store.query(
            "dashboard_threshold_confusion",
            {"run_id": run_id, "segment": int(segment), "threshold": threshold},
        )
        m = threshold_metrics(counts)
        grid = [
            ("this segment", "targeted", m.true_positive),
            ("this segment", "not targeted", m.false_negative),
            ("other", "targeted", m.false_positive),
            ("other", "not targeted", m.true_negative),
        ]
        heat = hv.HeatMap(grid, ["truth", "decision"], "rows").opts(
            cmap="Blues",
            shared_axes=False,
            height=220,
            width=340,
            tools=["hover"],
            title=f"Segment {segment} at threshold {threshold:.2f}",
        )
        text = (
            f"**Precision** {m.precision:.3f} · **Recall** {m.recall:.3f} · **Audience reached** "
            f"{m.reached:,} of {m.total:,} holdout events ({m.audience_share:.1%})"
        )
        return pn.Column(
            pn.pane.Markdown(text, css_classes=["threshold-metrics"]),
            pn.pane.HoloViews(heat * hv.Labels(heat)),
        )

    def _confusion(self, run_id: str):
        frame = self.store.query("dashboard_confusion_matrix", {"run_id": run_id}).to_pandas()
        heat = hv.HeatMap(frame, ["predicted", "actual"], "rows")
        return (heat * hv.Labels(heat)).opts(
            hv.opts.HeatMap(
                cmap="Blues",
                height=280,
                responsive=True,
                shared_axes=False,
                tools=["hover"],
                title="Confusion matrix (argmax)",
            )
        )

    def _histogram(self, run_id: str, segment: str):
        frame = self.store.query(
            "dashboard_score_histogram", {"run_id": run_id, "segment": int(segment)}
        ).to_pandas()
        bars = hv.Bars(frame, ["bin", "rows_of"], "rows").opts(
            stacked=True,
            responsive=True,
            height=280,
            tools=["hover"],
            title=f"Score of segment {segment} on the holdout",
            xrotation=90,
            xlabel="score bin",
        )
        return bars

    def _rows(self, run_id: str, predicted: str, min_score: float, explained: bool):
        return self.store.query(
            "dashboard_scored_rows",
            {
                "run_id": run_id,
                "predicted": None if predicted == "all" else int(predicted),
                "min_score": min_score,
                "explained_only": explained,
                "limit": TABLE_ROWS,
            },
        )

    def _table(self, run_id: str, predicted: str, min_score: float, explained: bool):
        frame = self._rows(run_id, predicted, min_score, explained).to_pandas()
        tabulator = pn.widgets.Tabulator(
            frame,
            show_index=False,
            disabled=True,
            pagination="local",
            page_size=12,
            sizing_mode="stretch_width",
            header_filters=True,
            css_classes=["scored-rows"],
            selectable=1,
        )

        def clicked(event) -> None:
            self.store.selected_event = int(tabulator.value.iloc[event.row]["event_id"])

        tabulator.on_click(clicked)
        return tabulator

    def _csv(self) -> io.BytesIO:
        frame = self._rows(
            self._run.value, self._predicted.value, self._min_score.value, self._explained.value
        )
        buffer = io.BytesIO()
        frame.write_csv(buffer)
        buffer.seek(0)
        return buffer

    def __panel__(self) -> pn.viewable.Viewable:
        missing = missing_tables(self.store, "marts.segment_holdout", "ml.curves")
        if missing is not None:
            return pn.Column(pn.pane.Markdown("## Predictions and quality"), missing)
        runs = self.store.query("dashboard_runs_of_kind", {"kind": "segment"})
        offer_runs(self._run, runs, self.store.segment_run)
        self.store.segment_run = self._run.value
        curves = pn.GridBox(
            *[
                pn.pane.HoloViews(
                    pn.bind(self._curve, self._run, c, self._segment), sizing_mode="stretch_width"
                )
                for c in ("roc", "pr")
            ],
            pn.Column(
                self._gain_or_lift,
                pn.pane.HoloViews(
                    pn.bind(self._curve, self._run, self._gain_or_lift, self._segment),
                    sizing_mode="stretch_width",
                ),
            ),
            pn.pane.HoloViews(
                pn.bind(self._curve, self._run, "calibration", self._segment),
                sizing_mode="stretch_width",
            ),
            ncols=2,
            sizing_mode="stretch_width",
        )
        download = pn.widgets.FileDownload(
            callback=self._csv,
            filename="scored_rows.csv",
            label="Download CSV",
            color="success",
            width=180,
        )
        return pn.Column(
            pn.pane.Markdown("## Predictions and quality"),
            pn.Row(self._run, self._segment),
            curves,
            pn.Row(
                pn.Column(
                    self._threshold,
                    pn.panel(
                        pn.bind(self._threshold_view, self._run, self._segment, self._threshold)
                    ),
                ),
                pn.pane.HoloViews(pn.bind(self._confusion, self._run), sizing_mode="stretch_width"),
                sizing_mode="stretch_width",
            ),
            pn.pane.HoloViews(
                pn.bind(self._histogram, self._run, self._segment), sizing_mode="stretch_width"
            ),
            pn.pane.Markdown("### Scored rows — click a row to see its SHAP waterfall"),
            pn.Row(self._predicted, self._min_score, self._explained, download),
            pn.panel(
                pn.bind(self._table, self._run, self._predicted, self._min_score, self._explained),
                loading_indicator=True,
                sizing_mode="stretch_width",
            ),
            WaterfallView(store=self.store),
            sizing_mode="stretch_width",
        )

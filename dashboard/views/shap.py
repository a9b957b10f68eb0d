"""SHAP views shared by the predictions and explanations pages."""

from __future__ import annotations

from dataclasses import dataclass

import holoviews as hv
import panel as pn
import param
import polars as pl
from panel.viewable import Viewer

from dashboard.charts.shap import waterfall_plot
from dashboard.store import DataStore

PROMPT = "Click a row of the scored-rows table to see why it was scored so."
TOP = 10  # features shown one by one; the rest are summed into one bar
HEIGHT = 32 * (TOP + 1) + 60  # fixed: the one plot is reused for every event


@dataclass(frozen=True)
class Waterfall:
    """What the waterfall view shows for one event: a title, where the values come from."""

    title: str
    source: str
    contributions: pl.DataFrame


class WaterfallView(Viewer):
    """The waterfall of the event chosen in the predictions table (store.selected_event).

    One plot is built once and fed new contributions, so a click updates its data in the
    browser instead of sending a new figure (most of a click's time, measured).
    """

    store = param.ClassSelector(class_=DataStore, doc="Session store.")
    class_label = param.String(default="", doc="Class to explain; empty = the predicted segment.")
    shown = param.ClassSelector(
        class_=Waterfall, default=None, allow_None=True, doc="The waterfall on screen, if any."
    )

    def __init__(self, **params):
        super().__init__(**params)
        self._message = pn.pane.Markdown(PROMPT, css_classes=["waterfall-empty"])
        self._title = pn.pane.Markdown("", css_classes=["waterfall-title"])
        self._source = pn.pane.Markdown("", css_classes=["waterfall-source"])
        plot = hv.DynamicMap(self._plot, streams=[self.param.shown])
        self._chart = pn.Column(
            self._title,
            self._source,
            pn.pane.HoloViews(plot, sizing_mode="stretch_width"),
            css_classes=["waterfall"],
            visible=False,
            sizing_mode="stretch_width",
        )
        self.store.param.watch(self._show, ["segment_run", "selected_event"])
        self.store.param.watch(self._warm, ["segment_run"])
        self.param.watch(self._show, ["class_label"])
        self._show()
        self._warm()

    def explain(self, run_id: str, event_id: int | None, class_label: str) -> Waterfall | str:
        """The waterfall of one event, or a message saying why there is none."""
        if not run_id or event_id is None:
            return PROMPT
        labels = self.store.query(
            "dashboard_shap_row_classes", {"run_id": run_id, "row_id": event_id}
        )
        if labels.height:
            chosen = class_label or str(
                labels.get_column("predicted")[0] or labels.get_column("class_label")[0]
            )
            contributions = self.store.query(
                "dashboard_shap_waterfall",
                {"run_id": run_id, "row_id": event_id, "class_label": chosen},
            )
            source = "from the SHAP sample stored with the run"
        else:
            try:
                explained = self.store.explain_event(run_id, event_id)
            except ValueError as error:
                return f"Event {event_id} could not be explained: {error}"
            chosen = class_label or explained.predicted
            contributions = explained.shap.filter(pl.col("class_label") == chosen)
            source = (
                "computed now from the stored model on the event's own features "
                f"(p = {explained.probabilities.get(chosen, float('nan')):.3f})"
            )
        return Waterfall(
            f"Why event {event_id} scores for segment {chosen}",
            f"SHAP values {source}.",
            contributions.select("feature", "feature_value", "shap_value"),
        )

    def _show(self, *_events) -> None:
        result = self.explain(self.store.segment_run, self.store.selected_event, self.class_label)
        if isinstance(result, str):
            self._message.object = result
            self._message.visible, self._chart.visible = True, False
            return
        self._title.object = f"#### {result.title}"
        self._source.object = result.source
        self.shown = result
        self._message.visible, self._chart.visible = False, True

    def _warm(self, *_events) -> None:
        if self.store.segment_run:
            self.store.warm_model(self.store.segment_run)

    def _plot(self, shown: Waterfall | None) -> hv.Element:
        if shown is None:
            empty = pl.DataFrame(schema={"feature": pl.String, "shap_value": pl.Float64})
            return waterfall_plot(empty, "", height=HEIGHT)
        return waterfall_plot(shown.contributions, shown.title, top=TOP, height=HEIGHT)

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(self._message, self._chart, sizing_mode="stretch_width")

"""SHAP views shared by the predictions and explanations pages."""

from __future__ import annotations

import holoviews as hv
import panel as pn
import param
import polars as pl
from panel.viewable import Viewer

from dashboard.analysis import waterfall_steps
from dashboard.store import DataStore

POSITIVE, NEGATIVE = "#d6604d", "#4393c3"


def waterfall_plot(contributions: pl.DataFrame, title: str, top: int = 10) -> hv.Element:
    """Horizontal SHAP waterfall: each feature moves the score from the base value."""
    steps = waterfall_steps(contributions, top=top)
    n = steps.height
    rows = [
        (min(s, e), n - i - 0.8, max(s, e), n - i - 0.2, v, POSITIVE if v >= 0 else NEGATIVE, label)
        for i, (label, v, s, e) in enumerate(steps.iter_rows())
    ]
    rects = hv.Rectangles(rows, vdims=["shap_value", "color", "feature"]).opts(
        color="color",
        line_color=None,
        tools=["hover"],
        responsive=True,
        height=max(220, 32 * n + 60),
        yticks=[(n - i - 0.5, label) for i, label in enumerate(steps.get_column("label"))],
        xlabel="contribution to the class score (log-odds)",
        ylabel="",
        title=title,
    )
    return rects * hv.VLine(0).opts(color="#555", line_width=1)


class WaterfallView(Viewer):
    """The waterfall of the event chosen in the predictions table (store.selected_event)."""

    store = param.ClassSelector(class_=DataStore, doc="Session store.")
    class_label = param.String(default="", doc="Class to explain; empty = the predicted segment.")

    def _render(self, run_id: str, event_id: int | None, class_label: str) -> pn.viewable.Viewable:
        if not run_id or event_id is None:
            return pn.pane.Markdown(
                "Click a row of the scored-rows table to see why it was scored so.",
                css_classes=["waterfall-empty"],
            )
        labels = self.store.query(
            "dashboard_shap_row_classes", {"run_id": run_id, "row_id": event_id}
        )
        if labels.height == 0:
            return pn.pane.Markdown(
                f"Event {event_id} is not in the explained sample of run {run_id} (SHAP is stored "
                "for a stratified sample); pick a row marked *explained*.",
                css_classes=["waterfall-empty"],
            )
        chosen = class_label or str(
            labels.get_column("predicted")[0] or labels.get_column("class_label")[0]
        )
        contributions = self.store.query(
            "dashboard_shap_waterfall",
            {"run_id": run_id, "row_id": event_id, "class_label": chosen},
        )
        title = f"Why event {event_id} scores for segment {chosen}"
        return pn.Column(
            pn.pane.Markdown(f"#### {title}", css_classes=["waterfall-title"]),
            pn.pane.HoloViews(waterfall_plot(contributions, title), sizing_mode="stretch_width"),
            css_classes=["waterfall"],
            sizing_mode="stretch_width",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.panel(
            pn.bind(
                self._render,
                self.store.param.segment_run,
                self.store.param.selected_event,
                self.param.class_label,
            ),
            sizing_mode="stretch_width",
        )

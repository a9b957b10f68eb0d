"""Explanations: global SHAP, beeswarm, dependence, waterfall, SHAP by segment, cluster, selection."""

from __future__ import annotations

import holoviews as hv
import panel as pn
import param
from panel.viewable import Viewer

from dashboard.analysis import beeswarm_offsets
from dashboard.charts.shap import global_importance, load_global_shap
from dashboard.store import DataStore
from dashboard.views.common import missing_tables, offer_runs
from dashboard.views.shap import WaterfallView

SEGMENTS = ["1", "2", "3", "4", "5"]
BEESWARM_FEATURES = 12
# The grouping dimensions of the SHAP cube that dashboard_shap_by_group.sql knows.
SHAP_DIMENSIONS = ("segment", "cluster")


class ExplanationsPage(Viewer):
    """Why the segment model decides what it decides, globally, per group and per row."""

    store = param.ClassSelector(class_=DataStore, doc="Session store.")

    def __init__(self, **params):
        super().__init__(**params)
        self._run = pn.widgets.Select(label="Segment run", options={}, width=320)
        self._class = pn.widgets.Select(
            label="Segment explained", options=SEGMENTS, value="3", width=140
        )
        self._feature = pn.widgets.Select(label="Dependence feature", options=[], width=220)
        self._run.param.watch(lambda e: setattr(self.store, "segment_run", e.new or ""), "value")

    def _global(self, run_id: str):
        return global_importance(load_global_shap(self.store, run_id))

    def _beeswarm(self, run_id: str, class_label: str):
        global_ = self.store.query("dashboard_shap_global", {"run_id": run_id})
        top = (
            global_.filter(global_["class_label"] == class_label)
            .sort("mean_abs_shap", descending=True)
            .head(BEESWARM_FEATURES)
            .get_column("feature")
            .to_list()
        )
        frame = self.store.query(
            "dashboard_shap_beeswarm", {"run_id": run_id, "class_label": class_label}
        )
        points = beeswarm_offsets(frame, top).to_pandas()
        return hv.Points(
            points, ["shap_value", "y"], ["value_rank", "feature", "feature_value", "row_id"]
        ).opts(
            color="value_rank",
            cmap="coolwarm",
            size=4,
            alpha=0.7,
            responsive=True,
            height=max(260, 30 * len(top) + 80),
            yticks=[(len(top) - 1 - i, f) for i, f in enumerate(top)],
            colorbar=True,
            tools=["hover"],
            xlabel="SHAP value (log-odds)",
            ylabel="",
            title=f"Beeswarm for segment {class_label} (colour: feature value rank)",
        ) * hv.VLine(0).opts(color="#555", line_width=1)

    def _dependence(self, run_id: str, class_label: str, feature: str):
        if not feature:
            return hv.Curve([]).opts(title="pick a feature")
        frame = self.store.query(
            "dashboard_shap_dependence",
            {"run_id": run_id, "class_label": class_label, "feature": feature},
        ).to_pandas()
        opts = {
            "responsive": True,
            "height": 300,
            "title": f"Dependence: {feature} (segment {class_label})",
            "tools": ["hover"],
        }
        if frame["numeric_value"].notna().mean() > 0.9:
            return hv.Scatter(frame, "numeric_value", ["shap_value", "row_id"]).opts(
                size=5, alpha=0.6, xlabel=feature, **opts
            )
        counts = frame["feature_value"].value_counts()
        frame = frame[frame["feature_value"].isin(counts.index[:20])]
        return hv.BoxWhisker(frame, "feature_value", "shap_value").opts(
            xrotation=45, xlabel=feature, **opts
        )

    def _by_group(self, run_id: str, class_label: str, dimension: str):
        if dimension not in SHAP_DIMENSIONS:
            raise ValueError(f"no SHAP grouping by {dimension!r}; known: {SHAP_DIMENSIONS}")
        params = {"run_id": run_id, "class_label": class_label, "dimension": dimension}
        frame = self.store.query("dashboard_shap_by_group", params).to_pandas()
        heat = hv.HeatMap(frame, ["feature", "grp"], ["mean_abs_shap", "mean_shap", "rows"])
        return heat.opts(
            cmap="Reds",
            shared_axes=False,
            responsive=True,
            height=300,
            tools=["hover"],
            xrotation=45,
            colorbar=True,
            ylabel=dimension,
            title=f"Mean |SHAP| for segment {class_label} by {dimension}",
        )

    def _selection(self, run_id: str, class_label: str, filters):
        frame = self.store.shap_for_selection(run_id)
        frame = frame.filter(frame["class_label"] == class_label).to_pandas()
        described = "; ".join(self.store.describe_filters()) or "all explained rows"
        rows = int(frame["rows"].max()) if len(frame) else 0
        return hv.Bars(frame, "feature", ["mean_abs_shap", "mean_shap"]).opts(
            invert_axes=True,
            responsive=True,
            height=280,
            tools=["hover"],
            color="#d6604d",
            title=f"Explorer selection ({described}; {rows} explained rows)",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        missing = missing_tables(self.store, "ml.shap", "ml.shap_global")
        if missing is not None:
            return pn.Column(pn.pane.Markdown("## Explanations"), missing)
        runs = self.store.query("dashboard_runs_of_kind", {"kind": "segment"})
        offer_runs(self._run, runs, self.store.segment_run)
        features = self.store.query("dashboard_shap_global", {"run_id": self._run.value})
        self._feature.options = sorted(set(features.get_column("feature").to_list()))
        if self._feature.options:
            self._feature.value = features.sort("mean_abs_shap", descending=True).get_column(
                "feature"
            )[0]
        parts = [
            pn.pane.Markdown("## Explanations"),
            pn.Row(self._run, self._class, self._feature),
            pn.GridBox(
                pn.pane.HoloViews(pn.bind(self._global, self._run), sizing_mode="stretch_width"),
                pn.pane.HoloViews(
                    pn.bind(self._beeswarm, self._run, self._class), sizing_mode="stretch_width"
                ),
                pn.pane.HoloViews(
                    pn.bind(self._dependence, self._run, self._class, self._feature),
                    sizing_mode="stretch_width",
                ),
                WaterfallView(store=self.store),
                ncols=2,
                sizing_mode="stretch_width",
            ),
        ]
        if self.store.has_rows("marts.shap_cube"):
            parts.append(
                pn.GridBox(
                    pn.pane.HoloViews(
                        pn.bind(self._by_group, self._run, self._class, "segment"),
                        sizing_mode="stretch_width",
                    ),
                    pn.pane.HoloViews(
                        pn.bind(self._by_group, self._run, self._class, "cluster"),
                        sizing_mode="stretch_width",
                    ),
                    pn.pane.HoloViews(
                        pn.bind(self._selection, self._run, self._class, self.store.param.filters),
                        sizing_mode="stretch_width",
                    ),
                    ncols=2,
                    sizing_mode="stretch_width",
                )
            )
        else:
            parts.append(missing_tables(self.store, "marts.shap_cube"))
        return pn.Column(*parts, sizing_mode="stretch_width")

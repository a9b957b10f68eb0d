"""Clusters: coverage heatmap and table, k-selection curves, profiles, 2D projection."""

from __future__ import annotations

import datashader as ds
import holoviews as hv
import panel as pn
import param
from holoviews.operation.datashader import datashade, dynspread
from panel.viewable import Viewer

from dashboard.charts.clusters import (
    MEASURES,
    coverage_heatmap,
    coverage_table,
    k_selection_curves,
    load_cluster_coverage,
)
from dashboard.store import DataStore
from dashboard.views.common import missing_tables, offer_runs, table

DATASHADE_ABOVE = 20_000  # points; more than this are rasterized on the server


class ClustersPage(Viewer):
    """Segment coverage by cluster, how k was chosen, and what each cluster looks like."""

    store = param.ClassSelector(class_=DataStore, doc="Session store.")
    datashade_above = param.Integer(
        default=DATASHADE_ABOVE, doc="Projection points above which datashader renders them."
    )

    def __init__(self, **params):
        super().__init__(**params)
        self._run = pn.widgets.Select(label="Cluster run", options={}, width=320)
        self._measure = pn.widgets.RadioButtonGroup(
            label="Heatmap value", options=MEASURES, value="row_share"
        )
        self._colour = pn.widgets.RadioButtonGroup(
            label="Colour points by", options=["cluster", "segment"], value="cluster"
        )
        self._dimension = pn.widgets.Select(label="Profile dimension", options=[], width=220)

    def _profiles(self, run_id: str, dimension: str):
        frame = self.store.query("dashboard_cluster_profiles", {"run_id": run_id})
        if dimension:
            frame = frame.filter(frame["dimension"] == dimension)
        top = frame.sort("share", descending=True).group_by("cluster", maintain_order=True).head(5)
        data = top.with_columns(top["cluster"].cast(str)).to_pandas()
        bars = hv.Bars(data, kdims=["cluster", "value"], vdims=["share", "events"])
        return bars.opts(
            responsive=True,
            height=300,
            tools=["hover"],
            xrotation=60,
            title=f"Top {dimension} per cluster",
            multi_level=True,
        )

    def _projection(self, run_id: str, colour: str):
        frame = self.store.query("dashboard_cluster_projection", {"run_id": run_id})
        data = frame.to_pandas()
        if frame.height > self.datashade_above:
            # Many points: datashader renders them on the server, one colour per category.
            data[colour] = data[colour].astype("category")
            points = hv.Points(data, ["x", "y"], [colour])
            shaded = dynspread(datashade(points, aggregator=ds.count_cat(colour)))
            return shaded.opts(
                responsive=True,
                height=380,
                title=f"2D projection ({frame.height:,} points, datashaded by {colour})",
            )
        points = hv.Points(data, ["x", "y"], [colour])
        return points.opts(
            color=colour,
            cmap="Category10",
            size=3,
            alpha=0.6,
            responsive=True,
            height=380,
            tools=["hover", "box_zoom"],
            legend_position="right",
            title=f"2D projection coloured by {colour}",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        missing = missing_tables(self.store, "marts.cluster_coverage")
        if missing is not None:
            return pn.Column(pn.pane.Markdown("## Clusters"), missing)
        runs = self.store.query("dashboard_cluster_runs")
        offer_runs(self._run, runs)
        dims = self.store.query("dashboard_cluster_profiles", {"run_id": self._run.value})
        self._dimension.options = sorted(set(dims.get_column("dimension").to_list()))
        if self._dimension.options:
            self._dimension.value = self._dimension.options[0]

        def coverage(run_id: str):
            return load_cluster_coverage(self.store, run_id)

        parts = [
            pn.pane.Markdown("## Clusters"),
            pn.Row(self._run, self._measure),
            pn.pane.HoloViews(
                pn.bind(lambda r, m: coverage_heatmap(coverage(r), m), self._run, self._measure),
                sizing_mode="stretch_width",
            ),
            pn.Card(
                pn.panel(pn.bind(lambda r: table(coverage_table(coverage(r))), self._run)),
                title="Coverage table (sortable)",
                sizing_mode="stretch_width",
            ),
        ]
        if self.store.has_rows("marts.cluster_k_selection"):
            parts.append(
                pn.pane.HoloViews(
                    pn.bind(lambda r: k_selection_curves(coverage(r)), self._run),
                    sizing_mode="stretch_width",
                )
            )
        else:
            parts.append(missing_tables(self.store, "marts.cluster_k_selection"))
        if self.store.has_rows("marts.cluster_profiles"):
            parts += [
                self._dimension,
                pn.pane.HoloViews(
                    pn.bind(self._profiles, self._run, self._dimension), sizing_mode="stretch_width"
                ),
            ]
        if self.store.has_rows("marts.cluster_projection"):
            parts += [
                self._colour,
                pn.pane.HoloViews(
                    pn.bind(self._projection, self._run, self._colour), sizing_mode="stretch_width"
                ),
            ]
        else:
            parts.append(missing_tables(self.store, "marts.cluster_projection"))
        return pn.Column(*parts, sizing_mode="stretch_width")

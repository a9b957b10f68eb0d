"""The audience explorer's punch card: events per local hour and weekday; a lasso picks cells.

Bokeh can lasso only point-like glyphs (bars and heat-map rectangles answer tap and box
only), and a lasso over hour x weekday picks cells that no per-column filter can express,
so the selection becomes a PairFilter on the grid view (dashboard.filters).
"""

from __future__ import annotations

import math

import holoviews as hv
import panel as pn
import param
import polars as pl
from bokeh.models import LassoSelectTool

from dashboard.filters import GRID_LABELS, GRIDS, PairFilter
from dashboard.views.crossfilter import SELECTED, UNSELECTED, WEEKDAYS, ExplorerView

BIGGEST, SMALLEST = 24.0, 3.0  # marker sizes (px) of the busiest and of an empty cell


def _select_when_the_lasso_closes(plot, element) -> None:
    # Bokeh's lasso is continuous by default: one selection per mouse move, each a filter
    # change and a redraw in the middle of the drag, which then loses the rest of it.
    for tool in plot.state.toolbar.tools:
        if isinstance(tool, LassoSelectTool):
            tool.continuous = False


class PunchCardView(ExplorerView):
    """Events per cell of a grid view under the other views' filters; lasso, box or tap selects."""

    view = param.Selector(objects=list(GRIDS), doc="Grid view shown (dashboard.filters.GRIDS).")

    def __init__(self, **params):
        super().__init__(**params)
        self._columns = GRIDS[self.view]
        first, second = (self.store.domain(c) for c in self._columns)
        # Every cell, empty ones too, in a fixed order: selection indices map back to cells.
        self._cells = [(a, b) for b in second for a in first]
        self._dmap = hv.DynamicMap(self._points, streams=[self.store.param.filters])
        self._pick = hv.streams.Selection1D(source=self._dmap)
        self._pick.param.watch(self._on_pick, "index")
        self._clear = pn.widgets.Button(
            label="Clear cells", color="light", css_classes=[f"xf-clear-{self.view}"]
        )
        self._clear.on_click(lambda _: self.store.set_selection(self.view, None))
        self._count = pn.pane.HTML(
            pn.bind(self._count_text, self.store.param.filters),
            css_classes=["xf-count", f"xf-count-{self.view}"],
            margin=(0, 10),
        )

    def _chosen(self) -> PairFilter | None:
        flt = self.store.filters.get(self.view)
        return flt if isinstance(flt, PairFilter) else None

    def frame(self) -> pl.DataFrame:
        """One row per cell: its values, events under the other filters, marker size and colour."""
        counts = {(a, b): e for a, b, e in self.store.grid_counts(self.view).iter_rows()}
        events = [int(counts.get(cell, 0)) for cell in self._cells]
        top = max(events) or 1
        chosen = self._chosen()
        first, second = self._columns
        return pl.DataFrame(
            {
                first: [a for a, _ in self._cells],
                second: [b for _, b in self._cells],
                "weekday": [WEEKDAYS.get(int(b), str(b)) for _, b in self._cells],
                "events": events,
                "size": [SMALLEST + (BIGGEST - SMALLEST) * math.sqrt(e / top) for e in events],
                "color": [
                    SELECTED if chosen is None or chosen.matches(cell) else UNSELECTED
                    for cell in self._cells
                ],
            }
        )

    def _points(self, filters) -> hv.Points:
        first, second = self._columns
        return hv.Points(
            self.frame().to_pandas(),
            kdims=[first, second],
            vdims=["weekday", "events", "size", "color"],
        ).opts(
            **self.chart_options(),
            size="size",
            tools=["lasso_select", "box_select", "tap", "hover"],
            active_tools=["lasso_select", "tap"],
            hooks=[_select_when_the_lasso_closes],
            xticks=list(range(0, 24, 2)),
            yticks=sorted(WEEKDAYS.items()),
            invert_yaxis=True,
            xlabel="local hour",
            ylabel="",
            padding=0.06,
        )

    def _count_text(self, filters) -> str:
        frame = self.frame()
        total = int(frame.get_column("events").sum())
        chosen = self._chosen()
        picked = (
            ""
            if chosen is None
            else f", {int(frame.filter(pl.col('color') == SELECTED)['events'].sum()):,} selected"
        )
        return (
            f"<b>{GRID_LABELS[self.view]}</b>: <span class='xf-total'>{total:,}</span> events"
            f"{picked} &nbsp;<i>drag a lasso or a box over the cells, or tap one</i>"
        )

    def _on_pick(self, event) -> None:
        # An empty index comes with every redraw; clearing is the button's or Reset's job.
        if event.new:
            self.store.set_selection(self.view, [self._cells[i] for i in event.new])

    def __panel__(self) -> pn.viewable.Viewable:
        return self.framed(
            self.view,
            pn.Row(self._count, self._clear, sizing_mode="stretch_width"),
            pn.pane.HoloViews(self._dmap, sizing_mode="stretch_width", min_height=self.height),
        )

"""Audience explorer views: linked bar charts over the audience cube, and the filter summary."""

from __future__ import annotations

import holoviews as hv
import panel as pn
import param
import polars as pl
from panel.viewable import Viewer

from dashboard.filters import DIMENSIONS, InFilter, RangeFilter
from dashboard.store import DataStore

WEEKDAYS = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}
SELECTED, UNSELECTED = "#3b6fb6", "#c9d3e0"
BUTTONS_UP_TO = 8  # small domains get toggle buttons, larger ones a multi-choice box


def value_label(dimension: str, value) -> str:
    if dimension == "local_weekday":
        return WEEKDAYS.get(int(value), str(value))
    if dimension == "local_hour":
        return f"{int(value):02d}"
    return str(value)


class ExplorerView(Viewer):
    """Base of the explorer's linked views: the session store, a chart height, the frame."""

    store = param.ClassSelector(class_=DataStore, doc="Session store holding the filters.")
    height = param.Integer(default=220, doc="Chart height in pixels.")

    def chart_options(self) -> dict:
        """Plot options every explorer chart shares. Selections are drawn by the data's own
        colour column (SELECTED / UNSELECTED), not by Bokeh's selection alpha, since a redraw
        after a selection change clears Bokeh's selection."""
        return {
            "color": "color",
            "line_color": None,
            "nonselection_alpha": 1.0,
            "selection_alpha": 1.0,
            "responsive": True,
            "height": self.height,
            "default_tools": ["reset"],
            "toolbar": "above",
            "shared_axes": False,
        }

    def framed(self, name: str, *parts: pn.viewable.Viewable) -> pn.Column:
        """The parts in the bordered box every explorer view has (css class xf-view-<name>)."""
        return pn.Column(
            *parts,
            sizing_mode="stretch_width",
            styles={"border": "1px solid #e3e7ee", "border-radius": "6px"},
            css_classes=["xf-view", f"xf-view-{name}"],
            margin=6,
        )


class CrossFilterView(ExplorerView):
    """Events per value of one dimension under the other views' filters; tap, box or widget selects."""

    dimension = param.Selector(objects=list(DIMENSIONS), doc="Cube column this view shows.")

    def __init__(self, **params):
        super().__init__(**params)
        self._domain = self.store.domain(self.dimension)
        self._labels = [value_label(self.dimension, v) for v in self._domain]
        self._syncing = False
        self._widget = self._make_widget()
        self._widget.param.watch(self._on_widget, "value")
        self.store.param.watch(self._sync_widget, "filters")
        self._dmap = hv.DynamicMap(self._bars, streams=[self.store.param.filters])
        self._tap = hv.streams.Selection1D(source=self._dmap)
        self._tap.param.watch(self._on_tap, "index")
        self._count = pn.pane.HTML(
            pn.bind(self._count_text, self.store.param.filters),
            css_classes=["xf-count", f"xf-count-{self.dimension}"],
            margin=(0, 10),
        )

    def _make_widget(self) -> pn.widgets.Widget:
        options = dict(zip(self._labels, self._domain, strict=True))
        name = f"{DIMENSIONS[self.dimension]} filter"
        if len(options) <= BUTTONS_UP_TO:
            return pn.widgets.CheckButtonGroup(
                label=name,
                options=options,
                color="light",
                variant="outline",
                css_classes=[f"xf-widget-{self.dimension}"],
                sizing_mode="stretch_width",
            )
        return pn.widgets.MultiChoice(
            label=name,
            options=options,
            placeholder="all",
            css_classes=[f"xf-widget-{self.dimension}"],
            sizing_mode="stretch_width",
        )

    def _selected_values(self) -> set | None:
        flt = self.store.filters.get(self.dimension)
        if flt is None:
            return None
        if isinstance(flt, InFilter):
            return set(flt.values)
        assert isinstance(flt, RangeFilter)
        return {v for v in self._domain if flt.low <= v <= flt.high}

    def frame(self) -> pl.DataFrame:
        """Counts over the whole domain (zeros kept, so bars do not move), with selection flags."""
        counts = dict(self.store.dimension_counts(self.dimension).iter_rows())
        chosen = self._selected_values()
        total = sum(counts.values()) or 1
        events = [int(counts.get(v, 0)) for v in self._domain]
        return pl.DataFrame(
            {
                "label": self._labels,
                "events": events,
                "share": [e / total for e in events],
                "color": [
                    SELECTED if chosen is None or v in chosen else UNSELECTED for v in self._domain
                ],
            }
        )

    def _bars(self, filters) -> hv.Bars:
        frame = self.frame()
        return hv.Bars(frame.to_pandas(), kdims=["label"], vdims=["events", "share", "color"]).opts(
            **self.chart_options(),
            tools=["tap", "box_select", "hover"],
            active_tools=["tap"],
            xlabel="",
            ylabel="events",
            xrotation=45 if len(self._domain) > 8 else 0,
            yformatter="%.0f",
        )

    def _count_text(self, filters) -> str:
        frame = self.frame()
        total = int(frame.get_column("events").sum())
        chosen = self._selected_values()
        picked = (
            total
            if chosen is None
            else int(
                frame.filter(pl.Series([v in chosen for v in self._domain]))
                .get_column("events")
                .sum()
            )
        )
        return (
            f"<b>{DIMENSIONS[self.dimension]}</b>: <span class='xf-total'>{total:,}</span> events"
            + ("" if chosen is None else f", {picked:,} selected")
        )

    def _on_tap(self, event) -> None:
        # An empty index comes with every redraw; clearing is the widget's or Reset's job.
        if not event.new:
            return
        self.store.set_selection(self.dimension, [self._domain[i] for i in event.new])

    def _on_widget(self, event) -> None:
        if not self._syncing:
            self.store.set_selection(self.dimension, event.new)

    def _sync_widget(self, event) -> None:
        chosen = self._selected_values()
        value = [] if chosen is None else [v for v in self._domain if v in chosen]
        if list(self._widget.value) != value:
            self._syncing = True
            try:
                self._widget.value = value
            finally:
                self._syncing = False

    def __panel__(self) -> pn.viewable.Viewable:
        return self.framed(
            self.dimension,
            self._count,
            pn.pane.HoloViews(self._dmap, sizing_mode="stretch_width", min_height=self.height),
            self._widget,
        )


class FilterSummary(Viewer):
    """Active filters in words, the selected share of events, and one-click reset."""

    store = param.ClassSelector(class_=DataStore, doc="Session store holding the filters.")

    def __init__(self, **params):
        super().__init__(**params)
        self._reset = pn.widgets.Button(
            label="Reset all filters", color="primary", css_classes=["xf-reset"]
        )
        self._reset.on_click(lambda _: self.store.reset())

    def _summary(self, filters) -> str:
        selected, total = self.store.selected_events()
        share = selected / total if total else 0
        parts = self.store.describe_filters()
        active = "; ".join(parts) if parts else "none (all events)"
        return (
            f"<div class='xf-summary'><b>Selected:</b> <span class='xf-selected'>{selected:,}</span>"
            f" of {total:,} events ({share:.1%}) &nbsp;·&nbsp; <b>Filters:</b> {active}</div>"
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Row(
            pn.pane.HTML(
                pn.bind(self._summary, self.store.param.filters), sizing_mode="stretch_width"
            ),
            self._reset,
            sizing_mode="stretch_width",
        )

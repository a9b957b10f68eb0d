"""Audience explorer: linked cross-filter views over the audience cube."""

from __future__ import annotations

import panel as pn
import param
from panel.viewable import Viewer

from dashboard.filters import DIMENSIONS, GRIDS
from dashboard.store import DataStore
from dashboard.views.common import missing_tables
from dashboard.views.crossfilter import CrossFilterView, FilterSummary
from dashboard.views.punchcard import PunchCardView


class ExplorerPage(Viewer):
    """A punch card and eight bar views, linked; a selection in any filters all the others."""

    store = param.ClassSelector(class_=DataStore, doc="Session store.")

    def __panel__(self) -> pn.viewable.Viewable:
        missing = missing_tables(self.store, "marts.audience_cube_codes", "marts.audience_values")
        if missing is not None:
            return missing
        views = [CrossFilterView(store=self.store, dimension=d) for d in DIMENSIONS]
        grids = [PunchCardView(store=self.store, view=v, height=300) for v in GRIDS]
        help_text = pn.pane.Markdown(
            "Drag a lasso or a box over the cells of the hour × weekday punch card, tap or "
            "box-select bars, or use the buttons under a chart: every other chart then counts "
            "only the selected events. Counts come from the pre-aggregated audience cube; "
            "regions, categories and bundles show their top values plus *other*.",
            sizing_mode="stretch_width",
        )
        return pn.Column(
            pn.pane.Markdown("## Audience explorer"),
            help_text,
            FilterSummary(store=self.store),
            *grids,
            pn.GridBox(*views, ncols=2, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )

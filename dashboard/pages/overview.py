"""Overview: what the warehouse holds, loads and quarantine, and the model runs."""

from __future__ import annotations

import panel as pn
import param
from panel.viewable import Viewer

from dashboard.charts.overview import load_warehouse_summary
from dashboard.store import DataStore
from dashboard.views.common import missing_tables, number, table


class OverviewPage(Viewer):
    """Warehouse summary, loads, quarantined rows with reasons, model runs."""

    store = param.ClassSelector(class_=DataStore, doc="Session store.")

    def _summary(self) -> pn.viewable.Viewable:
        missing = missing_tables(self.store, "marts.warehouse_summary")
        if missing is not None:
            return missing
        summary = load_warehouse_summary(self.store)
        row = summary.figures
        indicators = [
            pn.indicators.String(
                label=label, value=number(value), font_size="22pt", title_size="10pt", width=150
            )
            for label, value in summary.headlines()
        ]
        dates = (
            f"Ad events **{summary.event_range()}**"
            f" (Moscow time); billing periods from {row['first_period'] or '–'} to "
            f"{row['last_period'] or '–'}. Snapshot published at {self.store.snapshot}."
        )
        return pn.Column(pn.FlexBox(*indicators), pn.pane.Markdown(dates))

    def __panel__(self) -> pn.viewable.Viewable:
        parts: list = [pn.pane.Markdown("## Warehouse"), self._summary()]
        if self.store.available():
            parts += [pn.pane.Markdown("### Loads")]
            loads = self.store.query("dashboard_loads")
            parts.append(
                table(loads)
                if loads.height
                else pn.pane.Markdown("No loads yet: run `portrait ingest` or `portrait demo`.")
            )
            reasons = self.store.query("dashboard_quarantine_reasons")
            parts.append(
                pn.pane.Markdown(
                    f"### Quarantined rows ({number(int(reasons.get_column('rows').sum()) if reasons.height else 0)})"
                )
            )
            if reasons.height:
                parts += [
                    table(reasons, page_size=8),
                    pn.Card(
                        table(self.store.query("dashboard_quarantine_sample")),
                        title="Sample of quarantined rows",
                        collapsed=True,
                        sizing_mode="stretch_width",
                    ),
                ]
            else:
                parts.append(pn.pane.Markdown("No row was quarantined."))
            runs = self.store.query("dashboard_model_runs")
            parts.append(pn.pane.Markdown("### Model runs"))
            parts.append(
                table(runs)
                if runs.height
                else pn.pane.Markdown("No model trained yet: run `portrait train segment`.")
            )
        return pn.Column(*parts, sizing_mode="stretch_width")

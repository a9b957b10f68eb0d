"""The warehouse overview: what it holds, its loads and the rows it quarantined."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from dashboard.charts.reader import Reader

HEADLINES = {
    "ad_events": "Ad events",
    "labeled_events": "Labelled",
    "users": "Users",
    "payments": "Payments",
    "bundles": "Bundles",
    "regions": "Regions",
}


@dataclass(frozen=True)
class WarehouseSummary:
    """Counts and date ranges of the warehouse, its loads and quarantine reasons."""

    figures: dict[str, Any]  # a row of marts.warehouse_summary
    loads: pl.DataFrame
    reasons: pl.DataFrame  # reason, rows (and more), most frequent first

    @property
    def quarantined(self) -> int:
        return int(self.reasons.get_column("rows").sum()) if self.reasons.height else 0

    def headlines(self) -> list[tuple[str, Any]]:
        """(label, count) of the headline figures, in display order."""
        return [(label, self.figures[key]) for key, label in HEADLINES.items()]

    def event_range(self) -> str:
        """From when to when the ad events run (Moscow time), to the minute."""
        first, last = self.figures["first_event"], self.figures["last_event"]
        return f"from {str(first)[:16]} to {str(last)[:16]}"


def load_warehouse_summary(reader: Reader) -> WarehouseSummary:
    """Needs marts.warehouse_summary (see notices.FILLED_BY)."""
    return WarehouseSummary(
        reader.query("dashboard_warehouse_summary").row(0, named=True),
        reader.query("dashboard_loads"),
        reader.query("dashboard_quarantine_reasons"),
    )

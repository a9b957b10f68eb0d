"""What to run when a view's tables are missing or empty, for the pages and the report."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from dashboard.charts.reader import Reader

PUBLISH = "portrait publish (any writing job also rebuilds cubes and publishes)"
# The command that fills each mart.
FILLED_BY: dict[str, str] = {
    "marts.audience_cube": PUBLISH,
    "marts.audience_cube_codes": PUBLISH,
    "marts.audience_values": PUBLISH,
    "marts.shap_cube": "portrait train segment",
    "marts.warehouse_summary": "portrait demo",
    "marts.segment_holdout": "portrait train segment",
    "marts.segment_predictions": "portrait score segment",
    "ml.curves": "portrait train segment",
    "ml.shap": "portrait train segment",
    "ml.shap_global": "portrait train segment",
    "ml.model_runs": "portrait train segment",
    "marts.cluster_coverage": "portrait train clusters",
    "marts.cluster_k_selection": "portrait train clusters",
    "marts.cluster_profiles": "portrait train clusters",
    "marts.cluster_projection": "portrait train clusters",
    "marts.churn_scores": "portrait score churn",
    "marts.churn_monitoring": "portrait monitor churn",
}
NOTICE = "no data yet"


@dataclass(frozen=True)
class MissingData:
    """A view whose tables are missing or empty, and the command that fills each."""

    view: str
    tables: tuple[str, ...]

    def commands(self) -> list[tuple[str, str]]:
        """(table, command) per empty table."""
        return [(t, FILLED_BY.get(t, "portrait demo")) for t in self.tables]

    def markdown(self) -> str:
        lines = "\n".join(f"- `{t}`: run `{command}`" for t, command in self.commands())
        return f"{self.view}: {NOTICE}. Tables to fill:\n\n{lines}"

    def html(self) -> str:
        commands = sorted({command for _, command in self.commands()})
        runs = " or ".join(f"<code>{escape(c)}</code>" for c in commands)
        return f"<p class='missing'><i>{escape(self.view)}: {NOTICE} (run {runs}).</i></p>"


def missing_data(reader: Reader, view: str, *tables: str) -> MissingData | None:
    """The notice for `view` when any of its tables is missing or empty, else None."""
    empty = tuple(t for t in tables if not reader.has_rows(t))
    return MissingData(view, empty) if empty else None

"""Churn: the vitrine for a date, a user drill-down, and monitoring over time."""

from __future__ import annotations

import holoviews as hv
import panel as pn
import param
from panel.viewable import Viewer

from dashboard.charts.churn import (
    ChurnVitrine,
    auc_over_time,
    channels_table,
    churn_dates,
    load_churn_monitoring,
    load_churn_vitrine,
    psi_over_time,
    risk_bands,
    top_factors,
)
from dashboard.store import DataStore
from dashboard.views.common import missing_tables, table

BANDS = ["high", "medium", "low"]


class ChurnPage(Viewer):
    """Who is about to churn, why, what to send them, and whether the model still holds."""

    store = param.ClassSelector(class_=DataStore, doc="Session store.")

    def __init__(self, **params):
        super().__init__(**params)
        self._date = pn.widgets.Select(label="Score date", options=[], width=180)
        self._band = pn.widgets.Select(
            label="Risk band", options=["all", *BANDS], value="all", width=140
        )
        self._cohort = pn.widgets.Select(
            label="Cohort", options=["all", "trial", "paid"], value="all", width=140
        )
        self._user = pn.widgets.IntInput(label="User id", value=None, width=160)

    def _vitrine(self, score_date) -> ChurnVitrine:
        return load_churn_vitrine(self.store, score_date)

    def _users(self, score_date, band: str, cohort: str):
        frame = self.store.query(
            "dashboard_churn_users",
            {
                "score_date": score_date,
                "risk_band": None if band == "all" else band,
                "cohort": None if cohort == "all" else cohort,
            },
        )
        tabulator = table(frame, page_size=10)

        def clicked(event) -> None:
            self._user.value = int(tabulator.value.iloc[event.row]["user_id"])

        tabulator.on_click(clicked)
        return tabulator

    def _drill(self, user_id):
        if user_id is None:
            return pn.pane.Markdown("Click a user in the table (or type an id) for their factors.")
        frame = self.store.query("dashboard_churn_user", {"user_id": int(user_id)})
        if frame.height == 0:
            return pn.pane.Markdown(f"No churn score for user {user_id}.")
        latest = frame.row(0, named=True)
        factors = "\n".join(
            f"{i}. {latest[f'factor_{i}_text'] or latest[f'factor_{i}']} (SHAP {latest[f'factor_{i}_shap'] or 0:+.2f})"
            for i in (1, 2, 3)
            if latest[f"factor_{i}"]
        )
        text = (
            f"### User {user_id} ({latest['cohort']})\nOn {latest['score_date']}: churn probability "
            f"**{latest['churn_probability']:.1%}**, band **{latest['risk_band']}**; send "
            f"**{latest['recommended_offer']}** by **{latest['recommended_channel']}**.\n\n{factors}"
        )
        history = frame.select("score_date", "churn_probability", "risk_band").to_pandas()
        curve = hv.Curve(history, "score_date", "churn_probability").opts(
            height=200, responsive=True, title="Score history", tools=["hover"]
        )
        return pn.Column(
            pn.pane.Markdown(text),
            pn.pane.HoloViews(
                curve * hv.Scatter(history, "score_date", "churn_probability").opts(size=6)
            ),
            sizing_mode="stretch_width",
        )

    def _monitoring(self):
        monitoring = load_churn_monitoring(self.store)
        return pn.Column(
            pn.Row(
                pn.pane.HoloViews(auc_over_time(monitoring), sizing_mode="stretch_width"),
                pn.pane.HoloViews(psi_over_time(monitoring), sizing_mode="stretch_width"),
                sizing_mode="stretch_width",
            ),
            table(
                monitoring.monitoring.select(
                    "score_date",
                    "cohort",
                    "rows",
                    "roc_auc",
                    "pr_auc",
                    "brier",
                    "psi_score",
                    "status",
                    "reasons",
                ),
                page_size=8,
            ),
            sizing_mode="stretch_width",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        header = pn.pane.Markdown("## Churn")
        missing = missing_tables(self.store, "marts.churn_scores")
        if missing is not None:
            parts = [header, missing]
        else:
            dates = churn_dates(self.store)
            self._date.options = dates
            self._date.value = dates[0]
            parts = [
                header,
                pn.Row(self._date),
                pn.Row(
                    pn.pane.HoloViews(
                        pn.bind(lambda d: risk_bands(self._vitrine(d)), self._date),
                        sizing_mode="stretch_width",
                    ),
                    pn.pane.HoloViews(
                        pn.bind(lambda d: top_factors(self._vitrine(d)), self._date),
                        sizing_mode="stretch_width",
                    ),
                    sizing_mode="stretch_width",
                ),
                pn.pane.Markdown("### Recommended channels"),
                pn.panel(
                    pn.bind(
                        lambda d: table(channels_table(self._vitrine(d)), page_size=9), self._date
                    )
                ),
                pn.pane.Markdown("### Users at risk"),
                pn.Row(self._band, self._cohort, self._user),
                pn.Row(
                    pn.panel(
                        pn.bind(self._users, self._date, self._band, self._cohort),
                        sizing_mode="stretch_width",
                    ),
                    pn.panel(pn.bind(self._drill, self._user), sizing_mode="stretch_width"),
                    sizing_mode="stretch_width",
                ),
            ]
        parts.append(pn.pane.Markdown("### Monitoring"))
        monitoring_missing = missing_tables(self.store, "marts.churn_monitoring")
        parts.append(monitoring_missing if monitoring_missing is not None else self._monitoring())
        return pn.Column(*parts, sizing_mode="stretch_width")

"""Churn charts: the vitrine of a score date, and the model's monitoring over time."""

from __future__ import annotations

from dataclasses import dataclass

import holoviews as hv
import polars as pl

from dashboard.charts.reader import Reader
from dashboard.charts.tables import rounded

AUC_FLOOR = 0.70
PSI_ALERT = 0.2
BAND_COLOURS = {"high": "#d6604d", "medium": "#f4a582", "low": "#92c5de"}


@dataclass(frozen=True)
class ChurnVitrine:
    """Risk bands, top factors and recommended channels of one score date."""

    score_date: object
    bands: pl.DataFrame  # cohort, risk_band, users, mean_probability
    factors: pl.DataFrame  # cohort, factor, users, mean_shap
    channels: pl.DataFrame


@dataclass(frozen=True)
class ChurnMonitoring:
    """Quality and drift of the churn model per score date and cohort."""

    monitoring: pl.DataFrame  # score_date, cohort, roc_auc, psi_score, status, ...


def churn_dates(reader: Reader) -> list:
    """Score dates with churn scores, newest first."""
    return reader.query("dashboard_churn_dates").get_column("score_date").to_list()


def load_churn_vitrine(reader: Reader, score_date=None) -> ChurnVitrine:
    """The vitrine of a score date (default: the newest)."""
    if score_date is None:
        score_date = churn_dates(reader)[0]
    params = {"score_date": score_date}
    return ChurnVitrine(
        score_date,
        reader.query("dashboard_churn_bands", params),
        reader.query("dashboard_churn_factors", params),
        reader.query("dashboard_churn_channels", params),
    )


def load_churn_monitoring(reader: Reader) -> ChurnMonitoring:
    return ChurnMonitoring(reader.query("dashboard_churn_monitoring"))


def risk_bands(vitrine: ChurnVitrine) -> hv.Bars:
    """Users per risk band, stacked per cohort."""
    frame = vitrine.bands.to_pandas()
    return hv.Bars(frame, ["cohort", "risk_band"], ["users", "mean_probability"]).opts(
        stacked=True,
        responsive=True,
        height=280,
        tools=["hover"],
        title=f"Risk bands by cohort on {vitrine.score_date}",
        cmap=BAND_COLOURS,
    )


def top_factors(vitrine: ChurnVitrine) -> hv.Bars:
    """How many users name each factor among their top three, per cohort."""
    frame = vitrine.factors.to_pandas()
    return hv.Bars(frame, ["factor", "cohort"], "users").opts(
        stacked=True,
        invert_axes=True,
        responsive=True,
        height=280,
        tools=["hover"],
        title="Top factors (users naming them in their top 3)",
    )


def channels_table(vitrine: ChurnVitrine) -> pl.DataFrame:
    """Recommended offer and channel counts of the score date (rows of a table)."""
    return rounded(vitrine.channels)


def auc_over_time(result: ChurnMonitoring) -> hv.Overlay:
    """ROC AUC per score date and cohort, against the floor."""
    frame = result.monitoring.to_pandas()
    auc = hv.NdOverlay(
        {
            c: hv.Curve(g, "score_date", "roc_auc")
            * hv.Scatter(g, "score_date", "roc_auc").opts(size=6)
            for c, g in frame.groupby("cohort")
        },
        kdims="cohort",
    )
    return (auc * hv.HLine(AUC_FLOOR).opts(color="red", line_dash="dashed")).opts(
        responsive=True,
        height=260,
        title=f"Churn model ROC AUC per date (floor {AUC_FLOOR})",
        ylim=(0.5, 1.0),
    )


def psi_over_time(result: ChurnMonitoring) -> hv.Overlay:
    """Population stability of the score distribution per date and cohort."""
    frame = result.monitoring.to_pandas()
    psi = hv.NdOverlay(
        {c: hv.Curve(g, "score_date", "psi_score") for c, g in frame.groupby("cohort")},
        kdims="cohort",
    ).opts(responsive=True, height=260, title="PSI of the score distribution")
    return psi * hv.HLine(PSI_ALERT).opts(color="orange", line_dash="dotted")

"""SHAP charts: global importance of a segment run, and one event's waterfall."""

from __future__ import annotations

from dataclasses import dataclass

import holoviews as hv
import polars as pl

from dashboard.analysis import waterfall_steps
from dashboard.charts.reader import Reader

POSITIVE, NEGATIVE = "#d6604d", "#4393c3"


@dataclass(frozen=True)
class GlobalShap:
    """Mean |SHAP| per feature and segment of one run (ml.shap_global)."""

    run_id: str
    importance: pl.DataFrame  # feature, class_label, mean_abs_shap


def load_global_shap(reader: Reader, run_id: str) -> GlobalShap:
    return GlobalShap(run_id, reader.query("dashboard_shap_global", {"run_id": run_id}))


def global_importance(result: GlobalShap) -> hv.Bars:
    """Stacked horizontal bars, the most important feature on top."""
    frame = result.importance.to_pandas()
    order = frame.groupby("feature")["mean_abs_shap"].sum().sort_values().index.tolist()
    bars = hv.Bars(frame, ["feature", "class_label"], "mean_abs_shap").opts(
        stacked=True,
        invert_axes=True,
        responsive=True,
        height=max(260, 24 * len(order) + 80),
        tools=["hover"],
        title="Global importance: mean |SHAP| per segment",
        cmap="Category10",
        legend_position="bottom_right",
    )
    return bars.redim.values(feature=order)


def waterfall_plot(
    contributions: pl.DataFrame, title: str, top: int = 10, height: int | None = None
) -> hv.Overlay:
    """Horizontal SHAP waterfall: each feature moves the score from the base value."""
    steps = waterfall_steps(contributions, top=top)
    n = steps.height
    rows = [
        (min(s, e), n - i - 0.8, max(s, e), n - i - 0.2, v, label)
        for i, (label, v, s, e) in enumerate(steps.iter_rows())
    ]
    # One layer per sign with a fixed colour: a colour column would be a range to compute
    # on every frame of the reused plot, which HoloViews cannot do for text.
    bars = [
        hv.Rectangles([r for r in rows if (r[4] >= 0) == up], vdims=["shap_value", "feature"]).opts(
            color=POSITIVE if up else NEGATIVE, line_color=None, tools=["hover"], framewise=True
        )
        for up in (True, False)
    ]
    return hv.Overlay([*bars, hv.VLine(0).opts(color="#555", line_width=1)]).opts(
        responsive=True,
        height=height or max(220, 32 * n + 60),
        yticks=[(n - i - 0.5, label) for i, label in enumerate(steps.get_column("label"))]
        or None,  # HoloViews refuses an empty tick list
        xlabel="contribution to the class score (log-odds)",
        ylabel="",
        title=title,
    )

"""Segment model quality: ROC, PR, gain, lift and calibration curves per segment."""

from __future__ import annotations

from dataclasses import dataclass

import holoviews as hv
import polars as pl

from dashboard.charts.reader import Reader

CURVES = {
    "roc": ("false positive rate", "true positive rate"),
    "pr": ("recall", "precision"),
    "gain": ("share targeted", "share of segment captured"),
    "lift": ("share targeted", "lift"),
    "calibration": ("mean predicted", "observed rate"),
}


@dataclass(frozen=True)
class SegmentQuality:
    """The holdout curves of one segment run (ml.curves)."""

    run_id: str
    curves: pl.DataFrame  # curve, class_label, x, y, threshold


def load_segment_quality(reader: Reader, run_id: str) -> SegmentQuality:
    return SegmentQuality(run_id, reader.query("dashboard_curves", {"run_id": run_id}))


def quality_curve(result: SegmentQuality, curve: str, highlight: str | None = None) -> hv.Overlay:
    """One kind of curve, one line per segment; the `highlight`ed segment drawn bold."""
    if curve not in CURVES:
        raise ValueError(f"unknown curve {curve!r}; one of {list(CURVES)}")
    frame = result.curves.filter(pl.col("curve") == curve)
    xlabel, ylabel = CURVES[curve]
    overlays = []
    for label in sorted(set(frame.get_column("class_label").to_list())):
        part = frame.filter(pl.col("class_label") == label).to_pandas()
        dimmed = highlight is not None and label != highlight
        overlays.append(
            hv.Curve(part, "x", ["y", "threshold"], label=f"segment {label}").opts(
                line_width=1.2 if dimmed else 3 if highlight is not None else 2,
                alpha=0.45 if dimmed else 1,
                tools=["hover"],
            )
        )
    if curve in ("roc", "calibration"):
        overlays.append(hv.Curve([(0, 0), (1, 1)]).opts(color="grey", line_dash="dotted"))
    return hv.Overlay(overlays).opts(
        responsive=True,
        height=280,
        title=curve.upper() if curve in ("roc", "pr") else curve.capitalize(),
        xlabel=xlabel,
        ylabel=ylabel,
        legend_position="bottom_right",
        show_legend=curve == "roc",
    )

"""The stakeholder report: one self-contained HTML file that opens offline.

All JavaScript and CSS are inlined (Bokeh INLINE resources); the audience explorer is
cross-filtered in the browser over an embedded rolled-up cube (report_crossfilter.py);
the other charts are the dashboard pages' own (dashboard/charts), drawn at a fixed size,
and keep their hover.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from html import escape
from pathlib import Path

import duckdb
import holoviews as hv
import polars as pl
from bokeh.embed import file_html
from bokeh.layouts import column, gridplot
from bokeh.models import Div, LayoutDOM
from bokeh.resources import Resources

from dashboard.charts.churn import (
    auc_over_time,
    channels_table,
    load_churn_monitoring,
    load_churn_vitrine,
    risk_bands,
    top_factors,
)
from dashboard.charts.clusters import (
    coverage_heatmap,
    coverage_table,
    k_selection_curves,
    load_cluster_coverage,
)
from dashboard.charts.notices import MissingData, missing_data
from dashboard.charts.overview import load_warehouse_summary
from dashboard.charts.reader import ConnectionReader, Reader, SnapshotReader
from dashboard.charts.segment_quality import load_segment_quality, quality_curve
from dashboard.charts.shap import global_importance, load_global_shap
from dashboard.charts.tables import data_table
from dashboard.report_crossfilter import crossfilter_layout
from dashboard.serving import ServingDB

log = logging.getLogger(__name__)
WIDTH, HEIGHT = 560, 300
MAX_BYTES = 10 * 1024 * 1024


class _InlineResources(Resources):
    """Bokeh's JS and CSS inlined, without the external files other libraries' models declare.

    Importing Panel registers models (e.g. its ESM component) whose __javascript__ points at
    a server path; the report uses none of them, and a file:// page cannot load them.
    """

    def _collect_external_resources(self, resource_attr) -> list[str]:
        return []

    def clone(self, *, components=None) -> Resources:
        # Bokeh clones the resources per document and would lose this override otherwise.
        cloned = super().clone(components=components)
        cloned.__class__ = _InlineResources
        return cloned


def _reader(source: str | os.PathLike | duckdb.DuckDBPyConnection) -> Reader:
    if isinstance(source, duckdb.DuckDBPyConnection):
        return ConnectionReader(source)
    return SnapshotReader(ServingDB(source))


def _render(chart) -> object:
    """The report's one addition to a chart: a fixed size instead of the page's responsive one."""
    if isinstance(chart, LayoutDOM):  # a table, already Bokeh
        chart.sizing_mode, chart.width = "fixed", 2 * WIDTH
        return chart
    fixed = chart.opts(width=WIDTH, height=HEIGHT, responsive=False, clone=True)
    return hv.render(fixed, backend="bokeh")


def _missing(notice: MissingData) -> Div:
    return Div(text=notice.html())


def _heading(text: str) -> Div:
    return Div(text=f"<h2>{escape(text)}</h2>")


def _summary(reader: Reader) -> Div:
    notice = missing_data(reader, "Warehouse summary", "marts.warehouse_summary")
    if notice is not None:
        return _missing(notice)
    summary = load_warehouse_summary(reader)
    s = summary.figures
    reason_list = "".join(
        f"<li>{escape(str(r['reason']))}: {r['rows']:,}</li>"
        for r in summary.reasons.head(8).iter_rows(named=True)
    )
    return Div(
        width=2 * WIDTH,
        text=(
            f"<h2>Warehouse</h2><p><b>{s['ad_events']:,}</b> ad events ({s['labeled_events']:,} labelled) "
            f"{summary.event_range()}; <b>{s['users']:,}</b> users, "
            f"{s['payments']:,} payments; {summary.loads.height} loads; "
            f"<b>{summary.quarantined:,}</b> rows quarantined.</p>"
            + (f"<ul>{reason_list}</ul>" if reason_list else "")
        ),
    )


def _clusters(reader: Reader) -> list:
    notice = missing_data(reader, "Cluster coverage", "marts.cluster_coverage")
    if notice is not None:
        return [_missing(notice)]
    coverage = load_cluster_coverage(reader)
    parts = [
        _heading("Clusters and segment coverage"),
        _render(coverage_heatmap(coverage)),
        _render(data_table(coverage_table(coverage))),
    ]
    if coverage.k_selection.height:
        parts.append(_render(k_selection_curves(coverage)))
    return parts


def _segment_model(reader: Reader, run_id: str) -> list:
    quality = load_segment_quality(reader, run_id)
    plots = [_render(quality_curve(quality, c)) for c in ("roc", "pr", "gain", "calibration")]
    parts = [
        Div(text=f"<h2>Segment model quality (run {escape(run_id)})</h2>"),
        gridplot(plots, ncols=2, toolbar_location=None),
    ]
    importance = load_global_shap(reader, run_id)
    if importance.importance.height == 0:
        return [*parts, _missing(MissingData("Global SHAP", ("ml.shap_global",)))]
    return [
        *parts,
        _heading("What drives the segment model"),
        _render(global_importance(importance)),
    ]


def _churn(reader: Reader) -> list:
    parts = [_heading("Churn")]
    notice = missing_data(reader, "Churn vitrine", "marts.churn_scores")
    if notice is None:
        vitrine = load_churn_vitrine(reader)
        parts += [
            _render(risk_bands(vitrine)),
            _render(top_factors(vitrine)),
            _render(data_table(channels_table(vitrine), height=220)),
        ]
    else:
        parts.append(_missing(notice))
    notice = missing_data(reader, "Churn monitoring", "marts.churn_monitoring")
    parts.append(
        _render(auc_over_time(load_churn_monitoring(reader)))
        if notice is None
        else _missing(notice)
    )
    return parts


def write_report(
    source: str | os.PathLike | duckdb.DuckDBPyConnection,
    out_path: str | os.PathLike,
    run_id: str | None = None,
) -> Path:
    """Write the report from a serving snapshot (path) or an open connection; return its path."""
    hv.extension("bokeh", logo=False)
    reader = _reader(source)
    published = (
        reader.query("dashboard_published") if reader.has_rows("ops.published") else pl.DataFrame()
    )
    when = str(published.get_column("published_at")[0])[:19] if published.height else "unknown"
    parts: list = [
        Div(
            width=2 * WIDTH,
            text=(
                f"<h1>Audience Portrait</h1><p>Data published {escape(when)}; report written "
                f"{datetime.now():%Y-%m-%d %H:%M}. Opens offline: everything is in this file.</p>"
            ),
        ),
        _summary(reader),
    ]
    if reader.has_rows("marts.audience_cube"):
        parts += [
            Div(
                text="<h2>Audience explorer</h2><p>Tap or box-select bars; every other chart re-counts.</p>"
            ),
            crossfilter_layout(reader.query("dashboard_report_cube")),
        ]
    parts += _clusters(reader)
    segment_runs = (
        reader.query("dashboard_runs_of_kind", {"kind": "segment"})
        if reader.has_rows("ml.model_runs")
        else pl.DataFrame()
    )
    if run_id is not None and run_id not in set(
        segment_runs.get_column("run_id").to_list() if segment_runs.height else []
    ):
        raise ValueError(f"no segment run {run_id!r} in the snapshot; see `portrait runs`")
    chosen = run_id or (segment_runs.get_column("run_id")[0] if segment_runs.height else None)
    notice = missing_data(reader, "Segment model", "ml.model_runs", "ml.curves")
    if chosen and notice is None:
        parts += _segment_model(reader, chosen)
    else:
        parts.append(_missing(notice or MissingData("Segment model", ("ml.model_runs",))))
    parts += _churn(reader)
    html = file_html(
        column(*parts), resources=_InlineResources(mode="inline"), title="Audience Portrait report"
    )
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    size = out.stat().st_size
    if size > MAX_BYTES:
        log.warning("report is %.1f MB, above the 10 MB budget", size / 1e6)
    return out

"""The stakeholder report: one self-contained HTML file that opens offline.

All JavaScript and CSS are inlined (Bokeh INLINE resources); the audience explorer is
cross-filtered in the browser over an embedded rolled-up cube (report_crossfilter.py);
the other charts keep their hover.
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
from bokeh.models import ColumnDataSource, DataTable, Div, TableColumn
from bokeh.resources import Resources

from dashboard.report_crossfilter import crossfilter_layout
from dashboard.serving import ServingDB
from queries.runner import sql_text
from warehouse.db import fetch_frame

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


class _Reader:
    """Runs the dashboard's query files on a snapshot path or an open connection."""

    def __init__(self, source: str | os.PathLike | duckdb.DuckDBPyConnection):
        self._con = source if isinstance(source, duckdb.DuckDBPyConnection) else None
        self._serving = None if self._con is not None else ServingDB(source)

    def query(self, name: str, params: dict | None = None, **template: str) -> pl.DataFrame:
        sql = sql_text(name).format(**template) if template else sql_text(name)
        if self._con is not None:
            return fetch_frame(self._con, sql, params or {})
        return self._serving.query(sql, params)

    def rows(self, table: str) -> int:
        schema, _, name = table.partition(".")
        params = {"schema": schema, "table": name}
        if not self.query("dashboard_table_exists", params, count="count(*)").item():
            return 0
        counted = f'(select count(*) from {schema}."{name}")'  # allow-listed names only
        return int(self.query("dashboard_table_exists", params, count=counted).item())


def _table(frame: pl.DataFrame, height: int = 260) -> DataTable:
    data = {c: frame.get_column(c).to_list() for c in frame.columns}
    return DataTable(
        source=ColumnDataSource(data),
        columns=[TableColumn(field=c, title=c) for c in frame.columns],
        width=2 * WIDTH,
        height=height,
        sortable=True,
        index_position=None,
    )


def _render(element) -> object:
    return hv.render(
        element.opts(width=WIDTH, height=HEIGHT, responsive=False)
        if hasattr(element, "opts")
        else element,
        backend="bokeh",
    )


def _missing(what: str, command: str) -> Div:
    return Div(
        text=f"<p class='missing'><i>{escape(what)}: no data yet (run <code>{escape(command)}</code>).</i></p>"
    )


def _summary(reader: _Reader) -> Div:
    if not reader.rows("marts.warehouse_summary"):
        return _missing("Warehouse summary", "portrait demo")
    s = reader.query("dashboard_warehouse_summary").row(0, named=True)
    loads = reader.query("dashboard_loads")
    reasons = reader.query("dashboard_quarantine_reasons")
    quarantined = int(reasons.get_column("rows").sum()) if reasons.height else 0
    reason_list = "".join(
        f"<li>{escape(str(r['reason']))}: {r['rows']:,}</li>"
        for r in reasons.head(8).iter_rows(named=True)
    )
    return Div(
        width=2 * WIDTH,
        text=(
            f"<h2>Warehouse</h2><p><b>{s['ad_events']:,}</b> ad events ({s['labeled_events']:,} labelled) "
            f"from {str(s['first_event'])[:16]} to {str(s['last_event'])[:16]}; <b>{s['users']:,}</b> users, "
            f"{s['payments']:,} payments; {loads.height} loads; <b>{quarantined:,}</b> rows quarantined.</p>"
            + (f"<ul>{reason_list}</ul>" if reason_list else "")
        ),
    )


def _coverage(reader: _Reader) -> list:
    if not reader.rows("marts.cluster_coverage"):
        return [_missing("Cluster coverage", "portrait clusters")]
    run_id = reader.query("dashboard_cluster_runs").get_column("run_id")[0]
    coverage = reader.query("dashboard_cluster_coverage", {"run_id": run_id})
    data = coverage.with_columns(
        pl.col("cluster").cast(pl.String), pl.col("segment").cast(pl.String)
    ).to_pandas()
    heat = hv.HeatMap(data, ["segment", "cluster"], ["row_share", "events", "lift"]).opts(
        cmap="Blues",
        tools=["hover"],
        colorbar=True,
        title=f"Segment share per cluster (run {run_id})",
    )
    parts = [
        Div(text="<h2>Clusters and segment coverage</h2>"),
        _render(heat * hv.Labels(heat).opts(text_font_size="8pt")),
    ]
    parts.append(_table(coverage.with_columns(pl.col(pl.Float64).round(3))))
    if reader.rows("marts.cluster_k_selection"):
        ks = reader.query("dashboard_cluster_k_selection", {"run_id": run_id}).to_pandas()
        curves = [
            hv.Curve(g, "k", "phik", label=f"phik {v}").opts(tools=["hover"])
            for v, g in ks.groupby("variant")
        ]
        parts.append(
            _render(
                hv.Overlay(curves).opts(
                    title="Choosing k: phik with segments", legend_position="bottom_right"
                )
            )
        )
    return parts


def _quality(reader: _Reader, run_id: str) -> list:
    curves = reader.query("dashboard_curves", {"run_id": run_id})
    plots = []
    for curve in ("roc", "pr", "gain", "calibration"):
        part = curves.filter(pl.col("curve") == curve)
        overlay = hv.Overlay(
            [
                hv.Curve(g.to_pandas(), "x", ["y", "threshold"], label=f"segment {label}").opts(
                    tools=["hover"]
                )
                for (label,), g in part.group_by("class_label", maintain_order=True)
            ]
        ).opts(
            title=f"{curve.upper()} per segment",
            legend_position="bottom_right",
            show_legend=curve == "roc",
        )
        plots.append(_render(overlay))
    return [
        Div(text=f"<h2>Segment model quality (run {escape(run_id)})</h2>"),
        gridplot(plots, ncols=2, toolbar_location=None),
    ]


def _shap(reader: _Reader, run_id: str) -> list:
    frame = reader.query("dashboard_shap_global", {"run_id": run_id}).to_pandas()
    if frame.empty:
        return [_missing("Global SHAP", "portrait train segment")]
    bars = hv.Bars(frame, ["feature", "class_label"], "mean_abs_shap").opts(
        stacked=True,
        invert_axes=True,
        tools=["hover"],
        title="Global importance: mean |SHAP| per segment",
        legend_position="bottom_right",
    )
    return [Div(text="<h2>What drives the segment model</h2>"), _render(bars)]


def _churn(reader: _Reader) -> list:
    parts = [Div(text="<h2>Churn</h2>")]
    if reader.rows("marts.churn_scores"):
        score_date = reader.query("dashboard_churn_dates").get_column("score_date")[0]
        bands = reader.query("dashboard_churn_bands", {"score_date": score_date}).to_pandas()
        factors = reader.query("dashboard_churn_factors", {"score_date": score_date})
        parts += [
            _render(
                hv.Bars(bands, ["cohort", "risk_band"], ["users", "mean_probability"]).opts(
                    stacked=True, tools=["hover"], title=f"Risk bands by cohort on {score_date}"
                )
            ),
            _table(factors.head(10).with_columns(pl.col(pl.Float64).round(3)), height=200),
            _table(
                reader.query("dashboard_churn_channels", {"score_date": score_date}), height=200
            ),
        ]
    else:
        parts.append(_missing("Churn vitrine", "portrait churn score"))
    if reader.rows("marts.churn_monitoring"):
        mon = reader.query("dashboard_churn_monitoring").to_pandas()
        auc = hv.Overlay(
            [
                hv.Curve(g, "score_date", "roc_auc", label=c).opts(tools=["hover"])
                for c, g in mon.groupby("cohort")
            ]
        )
        parts.append(
            _render(
                (auc * hv.HLine(0.70).opts(color="red", line_dash="dashed")).opts(
                    title="Churn model ROC AUC per date (floor 0.70)"
                )
            )
        )
    else:
        parts.append(_missing("Churn monitoring", "portrait churn monitor"))
    return parts


def write_report(
    source: str | os.PathLike | duckdb.DuckDBPyConnection,
    out_path: str | os.PathLike,
    run_id: str | None = None,
) -> Path:
    """Write the report from a serving snapshot (path) or an open connection; return its path."""
    hv.extension("bokeh", logo=False)
    reader = _Reader(source)
    published = (
        reader.query("dashboard_published") if reader.rows("ops.published") else pl.DataFrame()
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
    if reader.rows("marts.audience_cube"):
        parts += [
            Div(
                text="<h2>Audience explorer</h2><p>Tap or box-select bars; every other chart re-counts.</p>"
            ),
            crossfilter_layout(reader.query("dashboard_report_cube")),
        ]
    parts += _coverage(reader)
    segment_runs = (
        reader.query("dashboard_runs_of_kind", {"kind": "segment"})
        if reader.rows("ml.model_runs")
        else pl.DataFrame()
    )
    if run_id is not None and run_id not in set(
        segment_runs.get_column("run_id").to_list() if segment_runs.height else []
    ):
        raise ValueError(f"no segment run {run_id!r} in the snapshot; see `portrait runs`")
    chosen = run_id or (segment_runs.get_column("run_id")[0] if segment_runs.height else None)
    if chosen and reader.rows("ml.curves"):
        parts += _quality(reader, chosen) + _shap(reader, chosen)
    else:
        parts.append(_missing("Segment model", "portrait train segment"))
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

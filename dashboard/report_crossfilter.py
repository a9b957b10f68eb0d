"""The report's in-browser cross-filter: bar charts over an embedded rolled-up cube.

Bokeh models and one CustomJS callback; no server. A tap or box selection in any chart
re-counts every other chart over the rows matching the other charts' selections.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from bokeh.layouts import column, gridplot, row
from bokeh.models import Button, ColumnDataSource, CustomJS, Div, HoverTool
from bokeh.plotting import figure

DIMENSIONS = {
    "part_of_day": "Part of day (local)",
    "weekday": "Weekday",
    "region_group": "Region",
    "segment": "Segment",
    "predicted_segment": "Predicted segment",
    "cluster": "Cluster",
}

_JS = """
// The cube holds one integer code per dimension (the index of the value in that chart)
// and an event count per row. Each chart is re-counted over the rows that match every
// OTHER chart's selection; the summary counts rows matching all of them.
const dims = Object.keys(charts);
const data = cube.data;
const n = data.events.length;
const chosen = {};
for (const d of dims) {
  const idx = charts[d].selected.indices;
  chosen[d] = idx.length ? new Set(idx) : null;
}
let selected = 0, total = 0;
for (const d of dims) {
  const counts = new Array(charts[d].data.value.length).fill(0);
  for (let r = 0; r < n; r++) {
    let ok = true;
    for (const o of dims) {
      if (o !== d && chosen[o] !== null && !chosen[o].has(data[o][r])) { ok = false; break; }
    }
    if (ok) counts[data[d][r]] += data.events[r];
  }
  const src = charts[d];
  src.data.events = counts;
  src.data.color = counts.map((_, i) => (chosen[d] === null || chosen[d].has(i)) ? '#3b6fb6' : '#c9d3e0');
  src.change.emit();
}
for (let r = 0; r < n; r++) {
  total += data.events[r];
  let ok = true;
  for (const o of dims) { if (chosen[o] !== null && !chosen[o].has(data[o][r])) { ok = false; break; } }
  if (ok) selected += data.events[r];
}
const parts = dims.filter(d => chosen[d] !== null).map(
  d => labels[d] + ': ' + Array.from(chosen[d]).map(i => charts[d].data.value[i]).join(', '));
summary.text = '<b>Selected:</b> <span class="xf-selected">' + selected.toLocaleString() + '</span> of ' +
  total.toLocaleString() + ' events (' + (100 * selected / Math.max(total, 1)).toFixed(1) + '%) · <b>Filters:</b> ' +
  (parts.length ? parts.join('; ') : 'none');
"""


def _display_order(value: str) -> tuple:
    # Numbers in numeric order, catch-all groups last, the rest alphabetically.
    catch_all = value in ("other", "unlabeled", "not scored", "none")
    number = int(value) if value.lstrip("-").isdigit() else None
    return (catch_all, number is None, number or 0, value)


def crossfilter_layout(cube: pl.DataFrame, width: int = 380, height: int = 220):
    """Linked bar charts with a summary line and a reset button, as one Bokeh layout."""
    cube = cube.with_columns(pl.col(d).cast(pl.String) for d in DIMENSIONS)
    # Codes as small typed arrays: Bokeh embeds them as binary, so a cube of a hundred
    # thousand rows stays around a megabyte in the file.
    columns: dict[str, np.ndarray] = {
        "events": cube.get_column("events").to_numpy().astype(np.int32)
    }
    labels: dict[str, list[str]] = {}
    for dim in DIMENSIONS:
        labels[dim] = sorted(set(cube.get_column(dim).to_list()), key=_display_order)
        index = {value: i for i, value in enumerate(labels[dim])}
        columns[dim] = np.array([index[v] for v in cube.get_column(dim).to_list()], dtype=np.int16)
    cube_source = ColumnDataSource(columns)
    charts, sources = [], {}
    for dim, label in DIMENSIONS.items():
        values = labels[dim]
        events = np.bincount(columns[dim], weights=columns["events"], minlength=len(values))
        source = ColumnDataSource(
            {
                "value": values,
                "events": events.astype(np.int64).tolist(),
                "color": ["#3b6fb6"] * len(values),
            },
            name=f"xf-{dim}",
        )
        plot = figure(
            x_range=values,
            width=width,
            height=height,
            title=label,
            tools="tap,box_select,reset",
            toolbar_location="above",
        )
        plot.vbar(
            x="value",
            top="events",
            width=0.8,
            source=source,
            color="color",
            nonselection_fill_alpha=1.0,
            selection_fill_alpha=1.0,
        )
        plot.add_tools(HoverTool(tooltips=[(label, "@value"), ("events", "@events{0,0}")]))
        plot.xaxis.major_label_orientation = 0.8 if len(values) > 7 else 0
        plot.yaxis.formatter.use_scientific = False
        sources[dim] = source
        charts.append(plot)
    total = int(cube.get_column("events").sum())
    summary = Div(
        text=f"<b>Selected:</b> <span class='xf-selected'>{total:,}</span> of {total:,} events (100.0%) · <b>Filters:</b> none"
    )
    callback = CustomJS(
        args={"charts": sources, "cube": cube_source, "summary": summary, "labels": DIMENSIONS},
        code=_JS,
    )
    for source in sources.values():
        source.selected.js_on_change("indices", callback)
    reset = Button(label="Reset all filters", button_type="primary", width=160)
    reset.js_on_click(
        CustomJS(
            args={"charts": sources},
            code="for (const d in charts) { charts[d].selected.indices = []; }",
        )
    )
    return column(row(summary, reset), gridplot(charts, ncols=3, toolbar_location=None))

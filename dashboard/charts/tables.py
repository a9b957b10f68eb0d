"""Tables: each chart module defines a table's rows once (a frame); the pages show it as
a Tabulator widget (pagination, clicks), the report as this static Bokeh DataTable."""

from __future__ import annotations

import polars as pl
from bokeh.models import ColumnDataSource, DataTable, TableColumn


def rounded(frame: pl.DataFrame, digits: int = 3) -> pl.DataFrame:
    """Floats rounded for display."""
    return frame.with_columns(pl.col(pl.Float32, pl.Float64).round(digits))


def data_table(frame: pl.DataFrame, height: int = 260) -> DataTable:
    """A read-only sortable table of a small frame (the report's rendering)."""
    data = {c: frame.get_column(c).to_list() for c in frame.columns}
    return DataTable(
        source=ColumnDataSource(data),
        columns=[TableColumn(field=c, title=c) for c in frame.columns],
        height=height,
        sortable=True,
        index_position=None,
        sizing_mode="stretch_width",
    )

"""A small sortable table, shared by the pages and the report (a Bokeh DataTable)."""

from __future__ import annotations

import polars as pl
from bokeh.models import ColumnDataSource, DataTable, TableColumn


def data_table(frame: pl.DataFrame, height: int = 260, digits: int = 3) -> DataTable:
    """A read-only sortable table of a small frame, floats rounded to `digits`."""
    rounded = frame.with_columns(pl.col(pl.Float32, pl.Float64).round(digits))
    data = {c: rounded.get_column(c).to_list() for c in rounded.columns}
    return DataTable(
        source=ColumnDataSource(data),
        columns=[TableColumn(field=c, title=c) for c in rounded.columns],
        height=height,
        sortable=True,
        index_position=None,
        sizing_mode="stretch_width",
    )

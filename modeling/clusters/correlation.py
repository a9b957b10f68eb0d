"""phik correlation matrix (with significance) of cluster, segment and the cluster features.

phik only exists in Python, so the mart marts.cluster_phik is filled from this
function's result, computed on a labeled sample of events.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl
from phik.phik import phik_matrix
from phik.significance import significance_matrix

from modeling.clusters.features import check_columns

log = logging.getLogger(__name__)

# The variables of the matrix: categorical ones as they are, numeric ones binned by phik.
CATEGORICAL = ("cluster", "segment", "local_hour", "local_weekday", "oblast")
INTERVAL = (
    "day_of_month",
    "region_msk_offset",
    "region_population",
    "region_salary_rank",
    "region_log_frequency",
)
BINS = 10


@dataclass(frozen=True)
class PhikResult:
    """Long form of the phik matrix: variable_x, variable_y, phik, significance (Z-score)."""

    table: pl.DataFrame
    rows: int

    def value(self, x: str, y: str) -> float:
        hit = self.table.filter((pl.col("variable_x") == x) & (pl.col("variable_y") == y))
        if hit.height == 0:
            raise ValueError(f"no phik for ({x!r}, {y!r})")
        return float(hit.get_column("phik")[0])


def phik_correlations(
    frame: pl.DataFrame,
    interval_cols: tuple[str, ...] | list[str] | None = None,
    *,
    bins: int = BINS,
    with_significance: bool = True,
) -> PhikResult:
    """phik (and significance) between every pair of columns of `frame`.

    Columns named in `interval_cols` (default: those of INTERVAL present in `frame`)
    are numeric and binned into `bins` equal-width intervals; the rest are categorical.
    Hour and weekday are categorical on purpose: they are cyclic, not ordered.
    """
    if frame.width < 2:
        raise ValueError("phik needs at least two columns")
    if interval_cols is None:
        interval_cols = [c for c in INTERVAL if c in frame.columns]
    check_columns(frame, list(interval_cols))
    data = frame.to_pandas()
    for name in frame.columns:
        if name not in interval_cols:
            data[name] = data[name].astype("string")
    with warnings.catch_warnings():
        # phik warns about columns with a single value; the result (NaN) says it already.
        warnings.simplefilter("ignore")
        matrix = phik_matrix(
            data, interval_cols=list(interval_cols), bins=bins, verbose=False, njobs=1
        )
        significance = (
            significance_matrix(
                data,
                interval_cols=list(interval_cols),
                bins=bins,
                significance_method="asymptotic",
                verbose=False,
                njobs=1,
            )
            if with_significance
            else None
        )
    rows = []
    for x in matrix.index:
        for y in matrix.columns:
            sig = None if significance is None else significance.loc[x, y]
            rows.append(
                {
                    "variable_x": str(x),
                    "variable_y": str(y),
                    "phik": _finite(matrix.loc[x, y]),
                    "significance": _finite(sig),
                }
            )
    table = pl.DataFrame(
        rows,
        schema={
            "variable_x": pl.String,
            "variable_y": pl.String,
            "phik": pl.Float64,
            "significance": pl.Float64,
        },
    )
    return PhikResult(table=table, rows=frame.height)


def _finite(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None

"""The one shape every model kind follows: options in, a typed result out, the registry between.

A kind (segment, clusters, churn, table, ...) is four things, each named for the kind:

- options: a frozen dataclass deriving from `TrainOptions` (which data, how much of it,
  how hard to fit), recorded in the run's params;
- metrics: a dataclass deriving from `Metrics`, whose figures sit beside the oracle's
  where the demo data has one (`roc_auc` beside `oracle_roc_auc`);
- a trainer `train_<kind>(con, options, progress) -> TrainResult` that registers the run
  with `modeling.registry.save_run` and returns what that gives back;
- a model whose `predict_proba(rows)` takes the data contract's raw rows.

The registry stores and returns the same `TrainResult` (`registry.load_result`), so a
caller never reads metrics back by string keys. docs/adding-a-model-kind.md walks
through adding a kind.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar

import polars as pl

from warehouse.progress import Progress, Step, Steps, silent

__all__ = [
    "Figure",
    "FlaggedComparison",
    "Metrics",
    "Progress",
    "Step",
    "Steps",
    "TrainOptions",
    "TrainResult",
    "as_polars",
    "silent",
    "to_plain",
]

ORACLE_PREFIX = "oracle_"


@dataclass(frozen=True, kw_only=True)
class TrainOptions:
    """What every trainer takes: which slice of the data, how much of it, how hard to fit.

    A kind derives its own options from this one and adds what only it needs.
    """

    seed: int = 42
    # Training rows at most (sampled when there are more); None: every row.
    sample_rows: int | None = None
    # Rows explained with SHAP in the run's SHAP sample.
    shap_rows: int = 20_000
    # Boosting iterations (trees); None: the kind's own default.
    iterations: int | None = None
    # The data slice: rows from date_from (inclusive) to date_to (exclusive); None: all.
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class Figure:
    """One figure of a model beside the oracle's (the best possible model's) on the same rows."""

    name: str
    value: float
    oracle: float | None = None

    @property
    def gap(self) -> float | None:
        """How far the model stands below the oracle (positive: worse)."""
        return None if self.oracle is None else self.oracle - self.value


@dataclass(kw_only=True)
class Metrics:
    """Typed metrics of a run. A kind derives from it; every field has a default, so that
    runs registered before a field existed still load.

    A figure `x` (a number, or numbers by class) with a field `oracle_x` beside it is
    reported with the oracle's (`figures()`). Keys of stored metrics that no field names
    are kept in `extra`, so that nothing stored is lost on the way back.
    """

    headline: ClassVar[str] = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def figures(self) -> list[Figure]:
        """Every numeric figure with the oracle's beside it where there is one."""
        found = []
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for name, value in values.items():
            if name.startswith(ORACLE_PREFIX) or name == "extra":
                continue
            oracle = values.get(ORACLE_PREFIX + name)
            if _is_number(value):
                found.append(Figure(name, float(value), _number_or_none(oracle)))
            elif isinstance(value, dict) and value and all(_is_number(v) for v in value.values()):
                for key, item in value.items():
                    beside = oracle.get(key) if isinstance(oracle, dict) else None
                    found.append(Figure(f"{name}[{key}]", float(item), _number_or_none(beside)))
        return found

    def headline_figure(self) -> Figure | None:
        """The one figure that sums the run up (the kind's `headline`), when it was measured."""
        for figure in self.figures():
            if figure.name == self.headline:
                return figure
        return None

    def to_json(self) -> dict[str, Any]:
        """A plain dict for the registry's JSON column (the extra keys at the top level;
        figures not measured, None, left out)."""
        data = {f.name: to_plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
        extra = data.pop("extra")
        return {**extra, **{k: v for k, v in data.items() if v is not None}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Metrics:
        """The metrics of a stored run; unknown keys go to `extra`."""
        return _decode_dataclass(cls, data)


@dataclass(kw_only=True)
class FlaggedComparison:
    """The same model trained with (or without) the features the leakage guard flagged:
    recorded beside the result so that the difference is visible, never as the result."""

    features: list[str] = field(default_factory=list)
    roc_auc: float | None = None
    roc_auc_macro: float | None = None
    roc_auc_by_class: dict[str, float] | None = None
    log_loss: float | None = None
    note: str = ""


MetricsT = TypeVar("MetricsT", bound=Metrics)


@dataclass(frozen=True)
class TrainResult(Generic[MetricsT]):
    """What training one model produced, as the registry stores and returns it."""

    run_id: str
    kind: str
    target: str
    metrics: MetricsT
    status: str = "succeeded"
    notes: str = ""
    # Seconds per stage of the run (e.g. {"fit": 41.2, "shap": 3.1, "total": 60.5}).
    timings: dict[str, float] = field(default_factory=dict)
    # Evaluation curves: curve, class_label, point, x, y, threshold (may be empty).
    curves: pl.DataFrame | None = None
    created_at: datetime | None = None


def as_polars(rows: Any) -> pl.DataFrame:
    """Rows a user has (a Polars or pandas frame, or anything Polars reads) as Polars."""
    if isinstance(rows, pl.DataFrame):
        return rows
    if type(rows).__module__.startswith("pandas"):
        return pl.from_pandas(rows)
    return pl.DataFrame(rows)


# -- JSON in and out ------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number_or_none(value: Any) -> float | None:
    return float(value) if _is_number(value) else None


def to_plain(value: Any) -> Any:
    """Dataclasses, numpy scalars and arrays as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if isinstance(value, Metrics):
            return value.to_json()
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _decode_dataclass(cls: type, data: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    values = {name: _decode(hints[name], data[name]) for name in known if name in data}
    leftover = {k: v for k, v in data.items() if k not in known}
    if "extra" in known and leftover:
        values["extra"] = {**values.get("extra", {}), **leftover}
    return cls(**values)


def _decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is type(None):
                continue
            if dataclasses.is_dataclass(arg) and isinstance(value, dict):
                return _decode_dataclass(arg, value)
            if typing.get_origin(arg) in (list, dict) or arg in (float, int):
                return _decode(arg, value)
        return value
    if dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return _decode_dataclass(hint, value)
    if origin is list and isinstance(value, list):
        return [_decode(args[0], v) for v in value] if args else value
    if origin is dict and isinstance(value, dict):
        return {k: _decode(args[1], v) for k, v in value.items()} if args else value
    if hint is float and _is_number(value):
        return float(value)
    return value

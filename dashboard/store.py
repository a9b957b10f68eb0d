"""DataStore: one per browser session; owns the cross-filter state and runs the queries."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

import param
import polars as pl

from dashboard.filters import (
    DIMENSIONS,
    GRIDS,
    NUMERIC_DIMENSIONS,
    PAIR_BASE,
    make_filter,
    where_clause,
)
from dashboard.serving import ServingDB, ServingMissing, serving_db
from modeling.segment.upload import ExplainedEvent, explain_event, run_model
from queries.runner import sql_text
from warehouse.sql import Fragment, literal, with_identifiers

log = logging.getLogger(__name__)
EXPLAINED_KEPT = 64  # events explained on demand that a session keeps


def _code_of(view: str) -> str:
    """SQL expression of a view's code on marts.audience_cube_codes (names are allow-listed)."""
    if view in GRIDS:
        first, second = GRIDS[view]
        return f"{first}::integer * {PAIR_BASE} + {second}"
    return view


def _shared_label_and_code(free: list[str]) -> tuple[str, str]:
    """Which grouping set a row of the shared statement belongs to, and its code.

    A grid's set groups by both its columns, so it is tested before the single columns;
    a single column's set leaves every other column null, which coalesce relies on.
    """
    if not free:
        return "'_total'", "null::integer"
    grids = [(f"grouping({', '.join(GRIDS[v])}) = 0", v) for v in free if v in GRIDS]
    singles = [v for v in free if v not in GRIDS]
    tests = grids + [(f"grouping({v}) = 0", v) for v in singles]
    label = "case " + " ".join(f"when {t} then '{v}'" for t, v in tests) + " else '_total' end"
    fallback = f"coalesce({', '.join(singles)})" if singles else "null::integer"
    if not grids:
        return label, fallback
    cases = " ".join(f"when {t} then {_code_of(v)}" for t, v in grids)
    return label, f"case {cases} else {fallback} end"


class DataStore(param.Parameterized):
    """Filter state of one session and every query the pages and views run."""

    filters = param.Dict(default={}, doc="Active cross-filters: dimension -> Filter.")
    snapshot = param.String(default="", doc="When the data on screen was published.")
    notice = param.String(default="", doc="Message about the data: new snapshot, or missing.")
    segment_run = param.String(default="", doc="Segment run chosen on the predictions page.")
    selected_event = param.Integer(
        default=None, allow_None=True, doc="Event clicked in the predictions table (for SHAP)."
    )
    version = param.Integer(default=0, doc="Increases when a new snapshot is opened.")

    def __init__(self, serving: ServingDB | None = None, **params: Any):
        super().__init__(**params)
        self.serving = serving or serving_db()
        self._dictionary_memo: tuple = (None, {})
        self._counts_memo: tuple = (None, None)
        self._explained: OrderedDict[tuple, ExplainedEvent] = OrderedDict()
        self._stamp = self.serving.stamp
        self.check_for_update()

    # ----------------------------------------------------------------- data access
    def available(self) -> bool:
        try:
            self.serving.connection().close()
        except ServingMissing:
            return False
        return True

    def query(
        self, name: str, params: dict[str, Any] | None = None, **slots: Fragment
    ) -> pl.DataFrame:
        """Run queries/sql/<name>.sql on the snapshot (cached by query and parameters).

        `slots` fill the SQL's {slots} through warehouse.sql.with_identifiers: where
        clauses built by dashboard.filters from allow-listed names and placeholders.
        """
        sql = with_identifiers(sql_text(name), **slots) if slots else sql_text(name)
        return self.serving.query(sql, params)

    def has_rows(self, *tables: str) -> bool:
        """True when every table exists in the snapshot and holds rows."""
        try:
            return all((self.serving.table_rows(t) or 0) > 0 for t in tables)
        except ServingMissing:
            return False

    def check_for_update(self) -> bool:
        """Reopen the snapshot if a job published a new one; say so in `notice`."""
        changed = self.serving.refresh()
        stamp = self.serving.stamp
        if self.serving.last_error:
            shown = f"data published at {self.snapshot}" if self.snapshot else "no data"
            self.notice = (
                f"A newer snapshot could not be opened ({self.serving.last_error}); "
                f"still showing {shown}."
            )
            return False
        if stamp is None:
            self.notice = (
                f"No data published yet: run `portrait demo` (looked for {self.serving.path})."
            )
            return False
        if stamp != self._stamp or not self.snapshot:
            previous = self._stamp
            self._stamp = stamp
            published = self._published_at()
            self.snapshot = published
            if previous is not None and previous != stamp:
                self.notice = f"New data published at {published}; the views now show it."
                self.version += 1
            else:
                self.notice = ""
            return True
        return changed

    def _published_at(self) -> str:
        try:
            frame = self.query("dashboard_published")
        except Exception as error:  # noqa: BLE001 - an old snapshot may lack ops.published
            log.warning("no ops.published in snapshot: %s", error)
            return "unknown time"
        return str(frame.get_column("published_at")[0])[:19] if frame.height else "unknown time"

    # ------------------------------------------------------------------ cross-filter
    def set_selection(self, dimension: str, selection) -> None:
        """Set (or clear, with an empty selection) the filter on one dimension."""
        flt = make_filter(dimension, selection)
        current = dict(self.filters)
        if flt is None:
            current.pop(dimension, None)
        else:
            current[dimension] = flt
        if current != self.filters:
            self.filters = current

    def reset(self) -> None:
        """Clear every filter."""
        self.filters = {}

    def describe_filters(self) -> list[str]:
        return [flt.describe() for _, flt in sorted(self.filters.items())]

    def where(self, exclude: str | None = None) -> tuple[Fragment, dict[str, Any]]:
        """Where clause on the readable cubes (text values), e.g. marts.shap_cube: built
        by dashboard.filters from allow-listed names and placeholders."""
        clause, params = where_clause(self.filters, exclude)
        return Fragment(clause), params

    def _dictionary(self) -> dict[str, list[tuple[Any, int]]]:
        """dimension -> [(value, code)] in display order, from marts.audience_values."""
        self.serving.refresh()
        stamp = self.serving.stamp
        if self._dictionary_memo[0] != stamp or stamp is None:
            self._dictionary_memo = (stamp, self._read_dictionary())
        return self._dictionary_memo[1]

    def _read_dictionary(self) -> dict[str, list[tuple[Any, int]]]:
        frame = self.query("dashboard_audience_values")
        out: dict[str, list[tuple[Any, int]]] = {d: [] for d in DIMENSIONS}
        for dimension, code, value, _ in frame.iter_rows():
            typed = int(value) if dimension in NUMERIC_DIMENSIONS else value
            out.setdefault(dimension, []).append((typed, int(code)))
        return out

    def coded_where(
        self, exclude: str | None = None, prefix: str = "f"
    ) -> tuple[Fragment, dict[str, Any]]:
        """Where clause on marts.audience_cube_codes: each filter's values become codes."""
        dictionary = self._dictionary()
        clauses, params = [], {}
        for i, (dimension, flt) in enumerate(sorted(self.filters.items())):
            if dimension == exclude:
                continue
            coded = flt.coded(dictionary)
            if coded is None:
                clauses.append("false")
                continue
            clause, values = coded.to_sql(f"{prefix}{i}")
            clauses.append(clause)
            params.update(values)
        return Fragment(" and ".join(clauses) if clauses else "true"), params

    def crossfilter_counts(self) -> pl.DataFrame:
        """Every view's counts in one statement: dimension, code, events ('_total' = all filters).

        A view with a selection counts under the other views' selections (its own branch);
        the views without one share a filter, so one grouping-sets scan serves them all
        and the total: a selection change costs 1 + (views with a selection) scans.
        """
        key = (self.serving.stamp, tuple(sorted(self.filters.items())))
        if self._counts_memo[0] == key and key[0] is not None:
            return self._counts_memo[1]
        counts = self._crossfilter_counts()
        self._counts_memo = (key, counts)
        return counts

    def _crossfilter_counts(self) -> pl.DataFrame:
        views = [*DIMENSIONS, *GRIDS]
        active = [v for v in views if v in self.filters]
        free = [v for v in views if v not in self.filters]
        branch = sql_text("dashboard_crossfilter_counts")
        parts, params = [], {}
        for k, view in enumerate(active):
            clause, values = self.coded_where(exclude=view, prefix=f"d{k}f")
            parts.append(
                with_identifiers(
                    branch,
                    label=Fragment(literal(view)),
                    dimension=Fragment(_code_of(view)),
                    where=Fragment(clause),
                )
            )
            params.update(values)
        clause, values = self.coded_where(prefix="tf")
        label, code = _shared_label_and_code(free)
        sets = ", ".join(
            [*(f"({', '.join(GRIDS[v])})" if v in GRIDS else f"({v})" for v in free), "()"]
        )
        shared = sql_text("dashboard_crossfilter_shared")
        parts.append(
            with_identifiers(
                shared,
                label=Fragment(label),
                code=Fragment(code),
                sets=Fragment(sets),
                where=Fragment(clause),
            )
        )
        params.update(values)
        return self.serving.query("\nunion all\n".join(parts), params)

    def dimension_counts(self, dimension: str) -> pl.DataFrame:
        """Events per value of `dimension` under every OTHER dimension's filter."""
        if dimension not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dimension!r}")
        counts = self.crossfilter_counts().filter(pl.col("dimension") == dimension)
        by_code = dict(
            zip(
                counts.get_column("code").to_list(),
                counts.get_column("events").to_list(),
                strict=True,
            )
        )
        pairs = [
            (value, by_code[code])
            for value, code in self._dictionary()[dimension]
            if code in by_code
        ]
        return pl.DataFrame(
            {"value": [v for v, _ in pairs], "events": [e for _, e in pairs]},
            schema={
                "value": pl.Int64 if dimension in NUMERIC_DIMENSIONS else pl.String,
                "events": pl.Int64,
            },
        )

    def grid_counts(self, view: str) -> pl.DataFrame:
        """Events per cell of a grid view under every OTHER view's filter (empty cells left out)."""
        if view not in GRIDS:
            raise ValueError(f"unknown grid view {view!r}")
        first, second = GRIDS[view]
        dictionary = self._dictionary()
        values = [{code: value for value, code in dictionary[c]} for c in (first, second)]
        counts = self.crossfilter_counts().filter(pl.col("dimension") == view)
        cells = [
            (values[0][code // PAIR_BASE], values[1][code % PAIR_BASE], events)
            for code, events in counts.select("code", "events").iter_rows()
        ]
        return pl.DataFrame(
            cells, schema={first: pl.Int64, second: pl.Int64, "events": pl.Int64}, orient="row"
        ).sort(first, second)

    def domain(self, dimension: str) -> list:
        """Every value of a dimension in the cube, in display order."""
        if dimension not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dimension!r}")
        return [value for value, _ in self._dictionary()[dimension]]

    def selected_events(self) -> tuple[int, int]:
        """(events matching all filters, all events)."""
        total = (
            self.crossfilter_counts().filter(pl.col("dimension") == "_total").get_column("events")
        )
        everything = self.query("dashboard_audience_values").filter(
            pl.col("dimension") == "segment"
        )
        return int(total.sum() if total.len() else 0), int(everything.get_column("events").sum())

    def refresh_views(self) -> dict[str, pl.DataFrame]:
        """Everything the explorer shows after a selection change (used by the benchmark)."""
        frames = {dim: self.dimension_counts(dim) for dim in DIMENSIONS}
        frames.update({view: self.grid_counts(view) for view in GRIDS})
        frames["_total"] = pl.DataFrame({"selected": [self.selected_events()[0]]})
        return frames

    def shap_for_selection(self, run_id: str) -> pl.DataFrame:
        """Mean |SHAP| per class and feature over the explained rows matching the filters."""
        clause, params = self.where()
        return self.query(
            "dashboard_shap_selection", {**params, "run_id": run_id}, where=Fragment(clause)
        )

    def reference_tables(self) -> dict[str, pl.DataFrame]:
        """The snapshot's reference tables by name (features outside the warehouse join them)."""
        names = self.query("dashboard_reference_tables").get_column("table_name")
        return {name: self.serving.table(f"ref.{name}") for name in names}

    def explain_event(self, run_id: str, event_id: int) -> ExplainedEvent:
        """SHAP of one scored event computed from the stored model (for events outside the
        stored SHAP sample); kept per (snapshot, run, event) for this session."""
        key = (self.serving.stamp, run_id, int(event_id))
        if key in self._explained:
            self._explained.move_to_end(key)
            return self._explained[key]
        reference = self.reference_tables()
        cursor = self.serving.connection()
        try:
            explained = explain_event(cursor, run_id, int(event_id), reference)
        finally:
            cursor.close()
        self._explained[key] = explained
        while len(self._explained) > EXPLAINED_KEPT:
            self._explained.popitem(last=False)
        return explained

    def warm_model(self, run_id: str) -> threading.Thread:
        """Unpickle a run's model in the background (about a second), so that the first
        event explained on demand does not wait for it; a click meanwhile waits for it."""

        def load() -> None:
            try:
                cursor = self.serving.connection()
                try:
                    run_model(cursor, run_id, "an event's exported fields")
                finally:
                    cursor.close()
            except Exception as error:  # noqa: BLE001 - a failed warm-up only slows the first click
                log.info("model of run %s not preloaded: %s", run_id, error)

        thread = threading.Thread(target=load, name=f"warm-model-{run_id}", daemon=True)
        thread.start()
        return thread

"""Per-class target encoding of categorical columns, learned on training rows only.

Each categorical value becomes, for every class k, the smoothed log-lift
log(P(k | value) / P(k)). Rare values are shrunk towards their parent's rate (a bundle
towards its store subcategory, a city towards its region), else towards the prior.
Training rows get out-of-fold encodings, so a row never sees its own label. All work is
polars group-bys and joins: no row loops, and the learned state is small lookup tables.

Fitting reads label counts, not labels: a frame with one row per training row (counts
of 0 and 1, `fit_transform`) or with one row per group of training rows that share their
values and fold (`fit_transform_counts`, e.g. per app when the bundle's columns come
from a per-app frame) gives the same tables and the same encodings.
"""

from __future__ import annotations

import numpy as np
import polars as pl

ENCODED_PREFIX = "te_"
FOLD = "_fold"  # the column of a training row's fold in the frames of label counts


def encoded_name(column: str, label: object) -> str:
    return f"{ENCODED_PREFIX}{column}_{label}"


class CategoryEncoder:
    """Smoothed per-class log-lift of categorical values (estimator contract)."""

    def __init__(
        self,
        columns: tuple[str, ...] | list[str] = (),
        classes: tuple | list = (1, 2, 3, 4, 5),
        smoothing: float = 20.0,
        parents: dict[str, str] | None = None,
        folds: int = 5,
        seed: int = 0,
    ):
        self.columns = columns
        self.classes = classes
        self.smoothing = smoothing
        self.parents = parents
        self.folds = folds
        self.seed = seed

    # -- public -----------------------------------------------------------------------
    def fit(self, frame: pl.DataFrame, y: np.ndarray) -> CategoryEncoder:
        self._fit_tables([self._with_label(frame, y)], dict.fromkeys(self.columns, 0))
        return self

    def fit_transform(self, frame: pl.DataFrame, y: np.ndarray) -> pl.DataFrame:
        """Fit on all rows, and return out-of-fold encodings of those same rows."""
        fold = pl.Series(FOLD, self.fold_of_rows(frame.height))
        data = self._with_label(frame, y).with_columns(fold)
        return self.fit_transform_counts([data])[0]

    def fold_of_rows(self, n: int) -> np.ndarray:
        """The fold of each of `n` training rows, as fit_transform assigns them."""
        return _folds(n, self.folds, self.seed)

    def count_names(self) -> list[str]:
        """The label-count columns fit_transform_counts reads, one per class."""
        return [f"_n{i}" for i in range(len(self.classes))]

    def fit_transform_counts(self, groups: list[pl.DataFrame]) -> list[pl.DataFrame]:
        """Fit on label counts; return the out-of-fold encodings of each row of each group.

        Each frame of `groups` holds some of the columns (each with its parents), FOLD,
        and count_names(): how many training rows of each class have those values in
        that fold. Every column is in exactly one frame, and every frame counts the same
        training rows. Rows of a frame give the encodings of the training rows they count.
        """
        homes = {column: i for i, data in enumerate(groups) for column in data.columns}
        missing = [c for c in self.columns if c not in homes]
        if missing:
            raise ValueError(f"frame lacks column(s) to encode: {', '.join(missing)}")
        self._fit_tables(groups, homes)
        encoded = []
        for i, data in enumerate(groups):
            own = [c for c in self._ordered() if homes[c] == i]
            fold_tables = {c: self._counts(data, c, by_fold=True) for c in own}
            rates = {}
            for column in own:
                rates[column] = self._rates(data, column, rates, fold_tables)
            encoded.append(self._log_lift(rates, [c for c in self.columns if c in own]))
        return encoded

    def transform(self, frame: pl.DataFrame, columns: list[str] | None = None) -> pl.DataFrame:
        """Encodings of new rows from the fitted tables (of every column, or of `columns`).

        A column's encoding depends only on its value and its parents' values, so it is
        looked up in a table of the (value, parent, ...) combinations seen in training;
        combinations new to the model are computed once each and added to the lookup.
        """
        self._check_fitted()
        parts = []
        for column in self.columns if columns is None else columns:
            chain = self.chain(column)
            table = self.lookups_[column]
            joined = frame.select(chain).join(
                table, on=chain, how="left", maintain_order="left", nulls_equal=True
            )
            unseen = joined.get_column(encoded_name(column, self.classes[0])).is_null()
            if unseen.any():
                new = self._lookup(frame.filter(unseen).select(chain).unique(), column, chain)
                joined = frame.select(chain).join(
                    pl.concat([table, new]),
                    on=chain,
                    how="left",
                    maintain_order="left",
                    nulls_equal=True,
                )
            parts.append(joined.drop(chain))
        return pl.concat(parts, how="horizontal")

    def _lookup(self, distinct: pl.DataFrame, column: str, chain: list[str]) -> pl.DataFrame:
        """Encodings of distinct (column, parent, ...) combinations, with those columns."""
        rates: dict[str, np.ndarray] = {}
        for name in reversed(chain):
            rates[name] = self._rates(distinct, name, rates, None)
        return pl.concat(
            [distinct, self._log_lift({column: rates[column]}, [column])], how="horizontal"
        )

    def chain(self, column: str) -> list[str]:
        """The column and its encoded ancestors, nearest first."""
        parents = self.parents or {}
        chain = [column]
        while parents.get(chain[-1]) in self.columns and parents[chain[-1]] not in chain:
            chain.append(parents[chain[-1]])
        return chain

    @property
    def output_names(self) -> list[str]:
        return [encoded_name(c, k) for c in self.columns for k in self.classes]

    # -- internals ----------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "tables_"):
            raise ValueError("CategoryEncoder is not fitted; call fit first")

    def _ordered(self) -> list[str]:
        # Parents first, so that children can shrink towards their rates.
        parents = self.parents or {}
        done: list[str] = []
        pending = list(self.columns)
        while pending:
            for column in list(pending):
                parent = parents.get(column)
                if parent is None or parent in done or parent not in self.columns:
                    done.append(column)
                    pending.remove(column)
        return done

    def _with_label(self, frame: pl.DataFrame, y: np.ndarray) -> pl.DataFrame:
        """The encoded columns of `frame` with each row's label as counts (0 or 1)."""
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise ValueError(f"frame lacks column(s) to encode: {', '.join(missing)}")
        label_index = {label: i for i, label in enumerate(self.classes)}
        codes = pl.Series("_y", np.asarray(y)).replace_strict(label_index, return_dtype=pl.Int8)
        return frame.select(self.columns).with_columns(
            (codes == i).cast(pl.Float64).alias(name) for i, name in enumerate(self.count_names())
        )

    def _counts(self, data: pl.DataFrame, column: str, by_fold: bool) -> pl.DataFrame:
        keys = [FOLD, column] if by_fold else [column]
        return data.group_by(keys).agg(pl.col(name).sum() for name in self.count_names())

    def _fit_tables(self, groups: list[pl.DataFrame], homes: dict[str, int]) -> None:
        prior = groups[0].select(self.count_names()).sum().to_numpy()[0].astype(float)
        if (prior == 0).any():
            raise ValueError("every class needs at least one training row to encode")
        self.prior_ = prior / prior.sum()
        self.tables_ = {c: self._counts(groups[homes[c]], c, by_fold=False) for c in self.columns}
        self.lookups_ = {}
        for column in self.columns:
            chain = self.chain(column)
            distinct = groups[homes[column]].select(chain).unique()
            self.lookups_[column] = self._lookup(distinct, column, chain)

    def _rates(
        self,
        frame: pl.DataFrame,
        column: str,
        rates: dict[str, pl.DataFrame],
        fold_tables: dict[str, pl.DataFrame] | None,
    ) -> pl.DataFrame:
        """(rows, classes) smoothed P(class | value), rows in frame order."""
        n_cols = self.count_names()
        joined = frame.select(column).join(
            self.tables_[column], on=column, how="left", maintain_order="left"
        )
        counts = joined.select(n_cols).fill_null(0.0).to_numpy()
        if fold_tables is not None:
            # Out of fold: remove the row's own fold from the counts.
            own = (
                frame.select(FOLD, column)
                .join(fold_tables[column], on=[FOLD, column], how="left", maintain_order="left")
                .select(n_cols)
                .fill_null(0.0)
                .to_numpy()
            )
            counts = counts - own
        parent = (self.parents or {}).get(column)
        base = rates[parent] if parent in rates else np.broadcast_to(self.prior_, counts.shape)
        total = counts.sum(axis=1, keepdims=True)
        return (counts + self.smoothing * base) / (total + self.smoothing)

    def _log_lift(
        self, rates: dict[str, np.ndarray], columns_: list[str] | None = None
    ) -> pl.DataFrame:
        columns = {}
        log_prior = np.log(self.prior_)
        for column in columns_ or self.columns:
            lift = np.log(np.clip(rates[column], 1e-6, None)) - log_prior
            for i, label in enumerate(self.classes):
                columns[encoded_name(column, label)] = lift[:, i].astype(np.float32)
        return pl.DataFrame(columns)


def _folds(n: int, folds: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, folds, n).astype(np.int8)

"""TableModel: CatBoost on an arbitrary labeled table, with the column roles it learned."""

from __future__ import annotations

import numpy as np
import polars as pl
from catboost import CatBoostClassifier, CatBoostError, Pool

from modeling.contract import as_polars
from modeling.tabular.infer import ColumnRoles, as_number

MISSING = "\u2205"


class TableModel:
    """Binary or multiclass CatBoost classifier over inferred numeric, categorical and text columns."""

    def __init__(
        self,
        roles: ColumnRoles | None = None,
        iterations: int = 300,
        depth: int = 6,
        learning_rate: float | None = None,
        thread_count: int = 2,
        random_seed: int = 42,
    ):
        self.roles = roles
        self.iterations = iterations
        self.depth = depth
        self.learning_rate = learning_rate
        self.thread_count = thread_count
        self.random_seed = random_seed

    def design(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The columns the model takes, coerced as at training time."""
        roles = self.roles
        missing = [c for c in roles.features if c not in frame.columns]
        if missing:
            raise ValueError(f"frame lacks column(s): {', '.join(missing)}")
        columns = []
        for name in roles.numeric:
            column = frame.get_column(name)
            if name in roles.coerced or column.dtype == pl.String:
                column = as_number(column.cast(pl.String))
            columns.append(column.cast(pl.Float64).alias(name))
        for name in roles.categorical:
            columns.append(frame.get_column(name).cast(pl.String).fill_null(MISSING).alias(name))
        for name in self.text_features_ if hasattr(self, "text_features_") else roles.text:
            columns.append(frame.get_column(name).cast(pl.String).fill_null("").alias(name))
        return pl.DataFrame(columns)

    def _pool(self, design: pl.DataFrame, label=None) -> Pool:
        texts = [c for c in design.columns if c in self.roles.text]
        return Pool(
            design.to_pandas(),
            label=label,
            cat_features=self.roles.categorical,
            text_features=texts or None,
        )

    def fit(self, frame: pl.DataFrame, y: np.ndarray) -> TableModel:
        if self.roles is None:
            raise ValueError("TableModel needs column roles (modeling.tabular.infer_roles)")
        y = np.asarray(y).astype(str)
        self.classes_ = sorted(np.unique(y).tolist())
        self.text_features_ = list(self.roles.text)
        self.notes_ = []
        design = self.design(frame)
        try:
            self.model_ = self._catboost(len(self.classes_)).fit(self._pool(design, y))
        except CatBoostError as error:
            if not self.text_features_:
                raise
            # Too few repeated words make an empty dictionary; train without the text.
            self.notes_.append(f"text features {self.text_features_} dropped: {error}")
            self.text_features_ = []
            design = self.design(frame)
            self.model_ = self._catboost(len(self.classes_)).fit(self._pool(design, y))
        self.feature_names_ = list(design.columns)
        return self

    def _catboost(self, n_classes: int) -> CatBoostClassifier:
        return CatBoostClassifier(
            loss_function="Logloss" if n_classes == 2 else "MultiClass",
            iterations=self.iterations,
            depth=self.depth,
            learning_rate=self.learning_rate,
            max_ctr_complexity=1,
            leaf_estimation_iterations=1,
            thread_count=self.thread_count,
            random_seed=self.random_seed,
            allow_writing_files=False,
            verbose=0,
        )

    def pool(self, frame: pl.DataFrame) -> Pool:
        if not hasattr(self, "model_"):
            raise ValueError("TableModel is not fitted; call fit first")
        return self._pool(self.design(as_polars(frame)))

    def predict_proba(self, frame: pl.DataFrame) -> np.ndarray:
        """(rows, classes) probabilities, columns in the order of classes_.

        `frame`: rows of the table as exported (a Polars or pandas frame); the model
        takes the columns it learned and coerces them as at training time."""
        proba = self.model_.predict_proba(self.pool(frame))
        order = [list(self.model_.classes_).index(c) for c in self.classes_]
        return proba[:, order]

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        return np.asarray(self.classes_)[self.predict_proba(frame).argmax(axis=1)]

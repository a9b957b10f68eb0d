"""The churn classifier: CatBoost on snapshot features, with what monitoring needs later.

Follows the estimator contract: hyper-parameters in __init__, fit returns self, learned
state ends in `_`, and predicting before fitting raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd
import polars as pl
from catboost import CatBoostClassifier, Pool

from modeling.churn import drift
from modeling.contract import as_polars
from modeling.explain import catboost_shap

MISSING_CATEGORY = "unknown"
OTHER_CATEGORY = "other"
# PSI is tracked for the model's most important features (by mean |SHAP|).
DRIFT_FEATURES = 5


def _frequent_levels(values: pl.Series, min_share: float) -> list[str]:
    """Levels of a categorical column that hold at least `min_share` of its rows."""
    counts = values.cast(pl.String).fill_null(MISSING_CATEGORY).value_counts()
    name = counts.columns[0]
    keep = counts.filter(pl.col("count") >= min_share * max(values.len(), 1))
    return sorted(keep.get_column(name).to_list())


def _pooled(column: str, levels: list[str] | None) -> pl.Expr:
    """The column as text, missing as MISSING_CATEGORY, rare or unseen levels as OTHER."""
    value = pl.col(column).cast(pl.String).fill_null(MISSING_CATEGORY)
    if levels is None:  # a model saved before levels were pooled
        return value
    return pl.when(value.is_in(levels)).then(value).otherwise(pl.lit(OTHER_CATEGORY)).alias(column)


class NotFittedError(RuntimeError):
    """The model was asked to predict or explain before fit."""


class ChurnModel:
    """Probability of churn for one cohort (trial, paid or activity) from a feature frame."""

    def __init__(
        self,
        *,
        iterations: int = 300,
        depth: int = 6,
        learning_rate: float = 0.08,
        l2_leaf_reg: float = 3.0,
        categorical: tuple[str, ...] = (),
        min_category_share: float = 0.01,
        early_stopping_rounds: int = 50,
        thread_count: int = 2,
        random_seed: int = 0,
    ) -> None:
        self.iterations = iterations
        self.depth = depth
        self.learning_rate = learning_rate
        self.l2_leaf_reg = l2_leaf_reg
        self.categorical = categorical
        self.min_category_share = min_category_share
        self.early_stopping_rounds = early_stopping_rounds
        self.thread_count = thread_count
        self.random_seed = random_seed

    def get_params(self) -> dict:
        return {
            "iterations": self.iterations,
            "depth": self.depth,
            "learning_rate": self.learning_rate,
            "l2_leaf_reg": self.l2_leaf_reg,
            "categorical": list(self.categorical),
            "min_category_share": self.min_category_share,
            "early_stopping_rounds": self.early_stopping_rounds,
            "thread_count": self.thread_count,
            "random_seed": self.random_seed,
        }

    def fit(
        self,
        features: pl.DataFrame,
        labels: np.ndarray | pl.Series,
        eval_features: pl.DataFrame | None = None,
        eval_labels: np.ndarray | pl.Series | None = None,
    ) -> ChurnModel:
        """Fit on `features` (the model's columns only) and 0/1 `labels`.

        With an evaluation set (later snapshots than the training rows), trees stop being
        added once its log-loss has not improved for `early_stopping_rounds`, and the model
        keeps the best number of trees (`best_iterations_`).
        """
        y = np.asarray(labels, dtype=int)
        if features.height != len(y):
            raise ValueError("features and labels have different lengths")
        if len(np.unique(y)) < 2:
            raise ValueError("training needs churned and retained rows; got one class only")
        self.features_ = list(features.columns)
        self.categorical_ = [c for c in self.features_ if c in self.categorical]
        # Levels too rare to learn from are pooled: with one-hot splits a region of a few
        # dozen users is otherwise a way to memorise them.
        self.category_levels_ = {
            c: _frequent_levels(features.get_column(c), self.min_category_share)
            for c in self.categorical_
        }
        self.model_ = CatBoostClassifier(
            iterations=self.iterations,
            depth=self.depth,
            learning_rate=self.learning_rate,
            l2_leaf_reg=self.l2_leaf_reg,
            loss_function="Logloss",
            # One-hot, not target statistics: the same user sits in several snapshots with
            # the same label, and target statistics of a category would learn that echo.
            one_hot_max_size=255,
            thread_count=self.thread_count,
            random_seed=self.random_seed,
            allow_writing_files=False,
            verbose=False,
        )
        if eval_features is None:
            self.model_.fit(self._pool(features, y))
        else:
            y_eval = np.asarray(eval_labels, dtype=int)
            self.model_.fit(
                self._pool(features, y),
                eval_set=self._pool(eval_features, y_eval),
                early_stopping_rounds=self.early_stopping_rounds,
                use_best_model=True,
            )
        self.best_iterations_ = int(self.model_.tree_count_)
        self.base_rate_ = float(y.mean())
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("ChurnModel is not fitted; call fit first")

    def _pool(self, features: pl.DataFrame, labels: np.ndarray | None = None) -> Pool:
        missing = [c for c in self.features_ if c not in features.columns]
        if missing:
            raise ValueError(f"feature frame lacks the model's columns: {', '.join(missing)}")
        levels = getattr(self, "category_levels_", {})
        frame = features.select(self.features_).with_columns(
            [_pooled(c, levels.get(c)) for c in self.categorical_]
            + [pl.col(c).cast(pl.Float64) for c in self.features_ if c not in self.categorical_]
        )
        data: pd.DataFrame = frame.to_pandas()
        return Pool(data, label=labels, cat_features=self.categorical_ or None)

    def predict_proba(self, features, *, as_of: date | None = None) -> np.ndarray:
        """Probability of churn per row of the model's feature frame, or from raw rows.

        Raw rows (modeling.churn.raw): a subscription model takes the export's tables as a
        mapping of contract name to frame (users and billing, optionally viewing,
        app_events, communications) and gives one probability per users row; an activity
        model takes the event table as a frame and gives one per event row (its user's).
        Users not scored on `as_of` (default: the rows' last date) get NaN.
        """
        self._check_fitted()
        raw = self._raw_source(features)
        if raw is not None:
            return raw(features, as_of)
        features = as_polars(features)
        if features.height == 0:
            return np.zeros(0)
        return self.model_.predict_proba(self._pool(features))[:, 1]

    def _raw_source(self, rows):
        """How to score `rows` when they are raw rows, else None."""
        from modeling.churn import raw

        params = getattr(self, "source_params_", {})
        if isinstance(rows, Mapping):
            return lambda r, day: raw.subscription_proba(
                self, r, getattr(self, "cohort_", None), day
            )
        if "activity" in params and not set(self.features_) <= set(rows.columns):
            source = raw.ActivitySource(**params["activity"])
            return lambda r, day: raw.activity_proba(self, r, source, day)
        return None

    def shap_values(self, features: pl.DataFrame) -> np.ndarray:
        """SHAP values (rows, features) on the log-odds of churn."""
        self._check_fitted()
        if features.height == 0:
            return np.zeros((0, len(self.features_)))
        return catboost_shap(self.model_, self._pool(features))[:, 0, :]

    def set_reference(
        self,
        features: pl.DataFrame,
        scores: np.ndarray,
        importance: dict[str, float],
        time_bound: dict[str, str] | None = None,
    ) -> ChurnModel:
        """Remember the training distributions that monitoring compares new data against.

        PSI is kept for the score and the DRIFT_FEATURES most important features, leaving
        out `time_bound` ones (name -> why; see drift.time_bound_features), whose
        distribution moves with the calendar whatever the population does.
        """
        self._check_fitted()
        time_bound = time_bound or {}
        ranked = sorted(importance, key=importance.get, reverse=True)
        top = [name for name in ranked if name not in time_bound][:DRIFT_FEATURES]
        self.reference_ = {
            "score": drift.numeric_reference(scores),
            "features": {name: drift.reference_of(features.get_column(name)) for name in top},
            "not_monitored": {name: why for name, why in time_bound.items() if name in importance},
        }
        return self

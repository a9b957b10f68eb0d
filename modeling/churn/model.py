"""The churn classifier: CatBoost on snapshot features, with what monitoring needs later.

Follows the estimator contract: hyper-parameters in __init__, fit returns self, learned
state ends in `_`, and predicting before fitting raises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
from catboost import CatBoostClassifier, Pool

from modeling.churn import drift
from modeling.explain import catboost_shap

MISSING_CATEGORY = "unknown"
# PSI is tracked for the model's most important features (by mean |SHAP|).
DRIFT_FEATURES = 5


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
        thread_count: int = 2,
        random_seed: int = 0,
    ) -> None:
        self.iterations = iterations
        self.depth = depth
        self.learning_rate = learning_rate
        self.l2_leaf_reg = l2_leaf_reg
        self.categorical = categorical
        self.thread_count = thread_count
        self.random_seed = random_seed

    def get_params(self) -> dict:
        return {
            "iterations": self.iterations,
            "depth": self.depth,
            "learning_rate": self.learning_rate,
            "l2_leaf_reg": self.l2_leaf_reg,
            "categorical": list(self.categorical),
            "thread_count": self.thread_count,
            "random_seed": self.random_seed,
        }

    def fit(self, features: pl.DataFrame, labels: np.ndarray | pl.Series) -> ChurnModel:
        """Fit on `features` (the model's columns only) and 0/1 `labels`."""
        y = np.asarray(labels, dtype=int)
        if features.height != len(y):
            raise ValueError("features and labels have different lengths")
        if len(np.unique(y)) < 2:
            raise ValueError("training needs churned and retained rows; got one class only")
        self.features_ = list(features.columns)
        self.categorical_ = [c for c in self.features_ if c in self.categorical]
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
        self.model_.fit(self._pool(features, y))
        self.base_rate_ = float(y.mean())
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("ChurnModel is not fitted; call fit first")

    def _pool(self, features: pl.DataFrame, labels: np.ndarray | None = None) -> Pool:
        missing = [c for c in self.features_ if c not in features.columns]
        if missing:
            raise ValueError(f"feature frame lacks the model's columns: {', '.join(missing)}")
        frame = features.select(self.features_).with_columns(
            [pl.col(c).cast(pl.String).fill_null(MISSING_CATEGORY) for c in self.categorical_]
            + [pl.col(c).cast(pl.Float64) for c in self.features_ if c not in self.categorical_]
        )
        data: pd.DataFrame = frame.to_pandas()
        return Pool(data, label=labels, cat_features=self.categorical_ or None)

    def predict_proba(self, features: pl.DataFrame) -> np.ndarray:
        """Probability of churn per row."""
        self._check_fitted()
        if features.height == 0:
            return np.zeros(0)
        return self.model_.predict_proba(self._pool(features))[:, 1]

    def shap_values(self, features: pl.DataFrame) -> np.ndarray:
        """SHAP values (rows, features) on the log-odds of churn."""
        self._check_fitted()
        if features.height == 0:
            return np.zeros((0, len(self.features_)))
        return catboost_shap(self.model_, self._pool(features))[:, 0, :]

    def set_reference(
        self, features: pl.DataFrame, scores: np.ndarray, importance: dict[str, float]
    ) -> ChurnModel:
        """Remember the training distributions that monitoring compares new data against."""
        self._check_fitted()
        top = sorted(importance, key=importance.get, reverse=True)[:DRIFT_FEATURES]
        self.reference_ = {
            "score": drift.numeric_reference(scores),
            "features": {name: drift.reference_of(features.get_column(name)) for name in top},
        }
        return self

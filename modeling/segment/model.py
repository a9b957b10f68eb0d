"""SegmentModel: everything needed to go from a segment frame to segment probabilities.

One estimator holds the learned encodings (per-class target encodings, frequency tables,
the bundle TF-IDF), the CatBoost model(s), and the class-weight correction, so that the
registry pickles one object. `fit`, `predict_proba`, `design` and `pool` work on the
frame that queries.segment_features.segment_frame returns (one row per event); the
columns it uses are listed in modeling/segment/features.py.

This is the reference: modeling.segment.fast fits and scores the same model on the
frame's parts, faster, and its tests hold it to what this module gives.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import partial

import numpy as np
import pandas as pd
import polars as pl
from catboost import CatBoostClassifier, Pool

from modeling.contract import as_polars
from modeling.raw_rows import ad_event_features, looks_raw
from modeling.segment.encoding import ENCODED_PREFIX, CategoryEncoder
from modeling.segment.features import (
    CATEGORICAL,
    CLASSES,
    FREQUENCY,
    NUMERIC,
    PARENTS,
    TEXT,
    frequency_name,
)
from modeling.segment.text import TOKENS_SOURCE, BundleTfidf
from queries.segment_features import segment_frame

STRATEGIES = ("multiclass", "ovr")
TEXT_MODES = ("tfidf", "native", "none")
CAT_MODES = ("encoded", "native")
WEIGHT_MODES = (None, "balanced", "sqrt")

# The dot tokenizer is required: CatBoost's default splits on spaces, finds no words in a
# bundle and stops with "Dictionary size is 0".
NATIVE_TEXT_PROCESSING = {
    "tokenizers": [{"tokenizer_id": "Dot", "separator_type": "ByDelimiter", "delimiter": "."}],
    "dictionaries": [{"dictionary_id": "Word", "occurrence_lower_bound": "3", "gram_order": "1"}],
    "feature_processing": {
        "default": [
            {
                "dictionaries_names": ["Word"],
                "feature_calcers": ["BoW", "NaiveBayes"],
                "tokenizers_names": ["Dot"],
            }
        ]
    },
}


class SegmentModel:
    """Segment 1..5 of an ad request from its features; CatBoost underneath."""

    def __init__(
        self,
        categorical: tuple[str, ...] = CATEGORICAL,
        numeric: tuple[str, ...] = NUMERIC,
        frequency: tuple[str, ...] = FREQUENCY,
        text: str = "tfidf",
        cat_handling: str = "encoded",
        strategy: str = "multiclass",
        class_weights: str | None = None,
        iterations: int = 150,
        depth: int = 6,
        learning_rate: float = 0.2,
        border_count: int = 64,
        subsample: float = 0.5,
        max_ctr_complexity: int = 1,
        leaf_estimation_iterations: int = 1,
        smoothing: float = 20.0,
        tfidf_components: int = 16,
        thread_count: int = 2,
        random_seed: int = 42,
    ):
        self.categorical = categorical
        self.numeric = numeric
        self.frequency = frequency
        self.text = text
        self.cat_handling = cat_handling
        self.strategy = strategy
        self.class_weights = class_weights
        self.iterations = iterations
        self.depth = depth
        self.learning_rate = learning_rate
        self.border_count = border_count
        self.subsample = subsample
        self.max_ctr_complexity = max_ctr_complexity
        self.leaf_estimation_iterations = leaf_estimation_iterations
        self.smoothing = smoothing
        self.tfidf_components = tfidf_components
        self.thread_count = thread_count
        self.random_seed = random_seed

    # -- fitting ----------------------------------------------------------------------------
    def fit(
        self, frame: pl.DataFrame, y: np.ndarray, frequencies: pl.DataFrame | None = None
    ) -> SegmentModel:
        """Fit on training rows. `frequencies` (feature, value, share) defaults to the
        frame's own shares."""
        y = self.start_fit(y)
        _require(frame, self.input_columns_)
        self.frequency_tables_ = self.frequency_tables(frame, frequencies)
        encoded = None
        if self.encoder_ is not None:
            # Training rows get out-of-fold encodings, not those of the fitted tables.
            encoded = self.encoder_.fit_transform(frame, y)
        if self.text == "tfidf":
            self.tfidf_ = self.new_tfidf().fit(frame)
        design = self.design(frame, encoded)
        self.feature_names_ = design.columns
        return self.fit_boosters(partial(self._pool, design), y)

    def start_fit(self, y: np.ndarray) -> np.ndarray:
        """The first step of any fit: check the options and labels, reset the learned
        state; returns the labels as an array."""
        self._check_options()
        y = np.asarray(y)
        self.classes_ = list(CLASSES)
        unknown = set(np.unique(y)) - set(self.classes_)
        if unknown:
            raise ValueError(f"segment labels must be 1..5, found {sorted(unknown)}")
        self.input_columns_ = self._input_columns()
        self.encoder_ = None  # a refit must not keep an earlier fit's encoder
        if self.cat_handling == "encoded" and self.categorical:
            self.encoder_ = CategoryEncoder(
                self.categorical, self.classes_, self.smoothing, PARENTS, seed=self.random_seed
            )
        return y

    def new_tfidf(self) -> BundleTfidf:
        """The unfitted TF-IDF of the bundle's tokens that `fit` uses."""
        return BundleTfidf(TEXT, self.tfidf_components, self.random_seed)

    def fit_boosters(self, pool_of: Callable[[np.ndarray], Pool], y: np.ndarray) -> SegmentModel:
        """The last step of any fit, once the encodings are learned: the class weights and
        the CatBoost model(s), trained on `pool_of(labels)`."""
        self.weights_ = self._weights(y)
        if self.strategy == "multiclass":
            model = self._catboost("MultiClass", list(self.weights_))
            model.fit(pool_of(y))
            self.models_ = [model]
        else:
            self.models_ = []
            for i, label in enumerate(self.classes_):
                model = self._catboost("Logloss", [1.0, float(self.weights_[i])])
                model.fit(pool_of((y == label).astype(int)))
                self.models_.append(model)
        return self

    def _check_options(self) -> None:
        for name, value, allowed in (
            ("strategy", self.strategy, STRATEGIES),
            ("text", self.text, TEXT_MODES),
            ("cat_handling", self.cat_handling, CAT_MODES),
            ("class_weights", self.class_weights, WEIGHT_MODES),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, not {value!r}")

    def _input_columns(self) -> list[str]:
        columns = [*self.categorical, *self.numeric, *self.frequency]
        if self.text != "none":
            columns.append(TEXT)
        return list(dict.fromkeys(columns))

    def frequency_tables(
        self, frame: pl.DataFrame | None, frequencies: pl.DataFrame | None
    ) -> dict[str, pl.DataFrame]:
        """Column -> its values' shares: from `frequencies` where it has the column, else
        counted on `frame` (without a frame, every column's shares come in `frequencies`)."""
        tables = {}
        for column in self.frequency:
            name = frequency_name(column)
            if frame is None or (
                frequencies is not None and column in frequencies["feature"].unique().to_list()
            ):
                table = frequencies.filter(pl.col("feature") == column).select(
                    pl.col("value").alias(column), pl.col("share").cast(pl.Float32).alias(name)
                )
            else:
                table = frame.group_by(column).agg(
                    (pl.len() / frame.height).cast(pl.Float32).alias(name)
                )
            tables[column] = table
        return tables

    def _weights(self, y: np.ndarray) -> np.ndarray:
        counts = np.array([(y == c).sum() for c in self.classes_], dtype=float)
        if self.class_weights is None:
            return np.ones(len(counts))
        ratio = counts.max() / np.maximum(counts, 1)
        return ratio if self.class_weights == "balanced" else np.sqrt(ratio)

    def _catboost(self, loss: str, class_weights: list[float]) -> CatBoostClassifier:
        options = dict(
            loss_function=loss,
            iterations=self.iterations,
            depth=self.depth,
            learning_rate=self.learning_rate,
            border_count=self.border_count,
            bootstrap_type="Bernoulli",
            subsample=self.subsample,
            max_ctr_complexity=self.max_ctr_complexity,
            leaf_estimation_iterations=self.leaf_estimation_iterations,
            class_weights=class_weights,
            thread_count=self.thread_count,
            random_seed=self.random_seed,
            allow_writing_files=False,
            verbose=0,
        )
        if self.text == "native":
            options["text_processing"] = NATIVE_TEXT_PROCESSING
        return CatBoostClassifier(**options)

    # -- the design matrix ----------------------------------------------------------------
    def design(
        self,
        frame: pl.DataFrame,
        encoded: pl.DataFrame | None = None,
        only: Collection[str] | None = None,
    ) -> pl.DataFrame:
        """The model's columns computed from `frame` (from its input columns in `only`)."""

        def wanted(columns) -> list[str]:
            return [c for c in columns if only is None or c in only]

        parts = []
        categorical = wanted(self.categorical)
        if categorical:
            if self.cat_handling == "encoded":
                parts.append(
                    encoded if encoded is not None else self.encoder_.transform(frame, categorical)
                )
            else:
                parts.append(
                    frame.select(pl.col(c).cast(pl.String).fill_null("") for c in categorical)
                )
        numeric = wanted(self.numeric)
        if numeric:
            parts.append(frame.select(pl.col(c).cast(pl.Float32) for c in numeric))
        for column in wanted(self.frequency_tables_):
            parts.append(
                frame.select(column)
                .join(self.frequency_tables_[column], on=column, how="left", maintain_order="left")
                .select(pl.col(frequency_name(column)).fill_null(0.0))
            )
        if wanted([TEXT]) and self.text == "tfidf":
            parts.append(self.tfidf_.transform(frame))
        elif wanted([TEXT]) and self.text == "native":
            parts.append(frame.select(pl.col(TEXT).fill_null("")))
        return pl.concat(parts, how="horizontal")

    def takes_matrix(self) -> bool:
        """True when every model column is a number (no native categorical or text input)."""
        return self._kinds() == ([], [])

    def _kinds(self) -> tuple[list[str], list[str]]:
        cats = list(self.categorical) if self.cat_handling == "native" else []
        texts = [TEXT] if self.text == "native" else []
        return cats, texts

    def _pool(self, design: pl.DataFrame, label: np.ndarray | None = None) -> Pool:
        cats, texts = self._kinds()
        if not cats and not texts:
            # All numeric: a float32 matrix is CatBoost's fastest input by far.
            return self.matrix_pool(
                design.to_numpy(order="fortran").astype(np.float32, copy=False), label
            )
        data: pd.DataFrame = design.to_pandas()
        return Pool(data, label=label, cat_features=cats, text_features=texts or None)

    def matrix_pool(self, matrix: np.ndarray, label: np.ndarray | None = None) -> Pool:
        """A pool of a design matrix (columns as in feature_names_; numeric models only)."""
        if not self.takes_matrix():
            raise ValueError("this model takes string columns; give it a frame, not a matrix")
        return Pool(matrix, label=label, feature_names=list(self.feature_names_))

    def check_fitted(self) -> None:
        """ValueError unless the model is fitted."""
        if not hasattr(self, "models_"):
            raise ValueError("SegmentModel is not fitted; call fit first")

    # -- prediction -----------------------------------------------------------------------
    def pool(self, frame: pl.DataFrame) -> Pool:
        """The CatBoost pool of a frame: what the model(s) see.

        `frame`: the segment frame (`queries.segment_features.segment_frame`), or raw ad
        events as exported (a Polars or pandas frame in the ad_events contract's columns),
        whose segment frame is then built by the training queries on a scratch warehouse.
        """
        self.check_fitted()
        frame = as_polars(frame)
        if looks_raw(frame, "ad_events", self.input_columns_):
            frame = ad_event_features(frame, partial(segment_frame, labeled=None))
        _require(frame, self.input_columns_)
        return self._pool(self.design(frame))

    def predict_proba(self, frame: pl.DataFrame) -> np.ndarray:
        """(rows, 5) probabilities of segments 1..5, corrected for the class weights, one
        row per row of `frame` (the segment frame or raw ad events: see `pool`)."""
        return self.proba_from_pool(self.pool(frame))

    def proba_from_pool(self, pool: Pool) -> np.ndarray:
        """predict_proba of a pool (`pool`, or `matrix_pool` of a design matrix)."""
        self.check_fitted()
        if self.strategy == "multiclass":
            proba = self.models_[0].predict_proba(pool, thread_count=self.thread_count)
            return self.unweighted(proba)
        columns = []
        for model, weight in zip(self.models_, self.weights_, strict=True):
            p = model.predict_proba(pool, thread_count=self.thread_count)[:, 1]
            columns.append(p / (p + (1.0 - p) * weight))
        proba = np.column_stack(columns)
        return proba / proba.sum(axis=1, keepdims=True)

    def unweighted(self, proba: np.ndarray) -> np.ndarray:
        """A multiclass model's softmax output with the class weights' effect undone."""
        if np.all(self.weights_ == 1.0):
            return proba  # CatBoost's softmax: rows already sum to one
        # Weighting class k by w_k multiplies its odds by w_k; dividing undoes it.
        proba = proba / self.weights_
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        return np.asarray(self.classes_)[self.predict_proba(frame).argmax(axis=1)]

    # -- explanation ----------------------------------------------------------------------
    def feature_sources(self) -> dict[str, str]:
        """Model feature -> the frame column it comes from (te_bundle_3 -> bundle)."""
        self.check_fitted()
        sources = {}
        for name in self.feature_names_:
            if name.startswith(ENCODED_PREFIX):
                sources[name] = next(
                    c for c in self.categorical if name.rsplit("_", 1)[0] == ENCODED_PREFIX + c
                )
            elif name.startswith("tfidf_"):
                sources[name] = TOKENS_SOURCE
            else:
                sources[name] = name
        return sources


def _require(frame: pl.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"segment frame lacks column(s): {', '.join(missing)}")

"""SegmentModel: everything needed to go from a segment frame to segment probabilities.

One estimator holds the learned encodings (per-class target encodings, frequency tables,
the bundle TF-IDF), the CatBoost model(s), and the class-weight correction, so that the
registry pickles one object, and `fit` and `predict_proba` work on any frame that
queries.segment_features.segment_frame returns, or on its parts (SegmentParts). Given the
parts, whatever depends on an app, a place, a device or an hour alone is encoded once per
key value and gathered onto the events: neither training nor scoring joins strings per
event, and both give what the joined frame would.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import partial

import numpy as np
import pandas as pd
import polars as pl
from catboost import CatBoostClassifier, Pool

from modeling.segment.design import PartsDesign, place_inputs
from modeling.segment.encoding import ENCODED_PREFIX, FOLD, CategoryEncoder
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
from queries.segment_features import DIMENSIONS, SegmentParts

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
        self,
        frame: pl.DataFrame | SegmentParts,
        y: np.ndarray,
        *,
        frequencies: pl.DataFrame | None = None,
    ) -> SegmentModel:
        """Fit on training rows, given as a frame or as its parts (the same model; parts
        spare joining every per-key column onto every row). `frequencies` (feature, value,
        share) defaults to the frame's."""
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
        if isinstance(frame, SegmentParts) and not self._fits_parts(frequencies):
            frame = frame.flat()
        if isinstance(frame, SegmentParts):
            matrix = self._fit_encodings_on_parts(frame, y, frequencies)
            pool_of = partial(self.matrix_pool, matrix)
        else:
            design = self._fit_encodings(frame, y, frequencies)
            pool_of = partial(self._pool, design)
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

    def _fit_encodings(self, frame: pl.DataFrame, y: np.ndarray, frequencies) -> pl.DataFrame:
        """Learn the encodings on a frame; return its design (out-of-fold encodings)."""
        _require(frame, self.input_columns_)
        self.frequency_tables_ = self._frequency_tables(frame, frequencies)
        encoded = None
        if self.encoder_ is not None:
            encoded = self.encoder_.fit_transform(frame, y)
        if self.text == "tfidf":
            self.tfidf_ = BundleTfidf(TEXT, self.tfidf_components, self.random_seed).fit(frame)
        design = self.design(frame, encoded)
        self.feature_names_ = design.columns
        return design

    def _fits_parts(self, frequencies: pl.DataFrame | None) -> bool:
        """Whether fitting on parts gives this model: numbers only, frequencies given."""
        given = set() if frequencies is None else set(frequencies["feature"].unique().to_list())
        return self.takes_matrix() and set(self.frequency) <= given

    def _fit_encodings_on_parts(
        self, parts: SegmentParts, y: np.ndarray, frequencies: pl.DataFrame
    ) -> np.ndarray:
        """Learn the encodings on parts; return the design matrix, equal to that of
        `_fit_encodings(parts.flat(), ...)`.

        The target encodings of a column depend on its values and the row's fold only, so
        they are learned from label counts per key value and fold, then gathered per row.
        """
        events, dims = parts.events, parts.dims
        _require_parts(parts, self.input_columns_)
        self.frequency_tables_ = self._frequency_tables(None, frequencies)
        if self.text == "tfidf":
            home = next((key for key, dim in dims.items() if TEXT in dim.columns), None)
            texts = events if home is None else _present(dims[home], events, home)
            self.tfidf_ = BundleTfidf(TEXT, self.tfidf_components, self.random_seed).fit(texts)
        columns = {key: dim.columns for key, dim in dims.items()}
        placement = place_inputs(self._needs(), columns, events.columns)
        encoded = None
        if self.encoder_ is not None:
            encoded = self._out_of_fold_on_parts(parts, y, placement)
        self.feature_names_ = self.design(SegmentParts(events.head(1), dims).flat()).columns
        design = PartsDesign(self.design, self.feature_names_, placement)
        design.add(dims)
        matrix = design.matrix(events)
        # Training rows get out-of-fold encodings, not those of the fitted tables.
        if encoded is not None:
            for name in encoded.columns:
                matrix[:, design.position[name]] = encoded.get_column(name).to_numpy()
        return matrix

    def _out_of_fold_on_parts(
        self, parts: SegmentParts, y: np.ndarray, placement: dict[str | None, list[str]]
    ) -> pl.DataFrame:
        """The encoder fitted on label counts per key value and fold; out-of-fold encodings
        of every event, in the encoder's column order."""
        encoder = self.encoder_
        events = parts.events
        counts = [
            pl.Series(name, (y == label).astype(np.float64))
            for name, label in zip(encoder.count_names(), self.classes_, strict=True)
        ]
        labels = pl.DataFrame([pl.Series(FOLD, encoder.fold_of_rows(events.height)), *counts])
        keys_of_groups, groups = [], []
        for home, inputs in placement.items():
            # The encoded columns computed at this home, with the parents they shrink towards.
            chains: list[str] = []
            for column in inputs:
                if column in self.categorical:
                    chains += [c for c in encoder.chain(column) if c not in chains]
            if not chains:
                continue
            keys = [home] if home else chains
            rows = pl.concat([events.select(keys), labels], how="horizontal")
            grouped = rows.group_by([*keys, FOLD]).agg(pl.col(encoder.count_names()).sum())
            if home:
                grouped = grouped.join(parts.dims[home].select(home, *chains), on=home)
            keys_of_groups.append(keys)
            groups.append(grouped)
        per_event = []
        for keys, grouped, encoded in zip(
            keys_of_groups, groups, encoder.fit_transform_counts(groups), strict=True
        ):
            table = pl.concat([grouped.select(*keys, FOLD), encoded], how="horizontal")
            rows = pl.concat([events.select(keys), labels.select(FOLD)], how="horizontal")
            joined = rows.join(
                table, on=[*keys, FOLD], how="left", maintain_order="left", nulls_equal=True
            )
            per_event.append(joined.select(encoded.columns))
        return pl.concat(per_event, how="horizontal").select(encoder.output_names)

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

    def _frequency_tables(self, frame, frequencies) -> dict[str, pl.DataFrame]:
        tables = {}
        for column in self.frequency:
            name = frequency_name(column)
            # Without a frame (fitting on parts), every column's shares come in `frequencies`.
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

    def _needs(self) -> dict[str, set[str]]:
        """Input column -> the frame columns its model columns are computed from."""
        needs = {column: {column} for column in self.input_columns_}
        if self.cat_handling == "encoded":
            for column in self.categorical:
                needs[column] |= set(self.encoder_.chain(column))
        return needs

    def parts_design(
        self, event_columns: list[str], dims: dict[str, list[str]] | None = None
    ) -> PartsDesign:
        """An empty PartsDesign for event rows with `event_columns` and dimension frames with
        the columns `dims` (key -> columns, key included; default: the segment frame's).
        Add dimension frames to it, then ask it for the matrix of any batch of events."""
        self._check_fitted()
        if dims is None:
            dims = {key: [key, *columns] for key, columns in DIMENSIONS.items()}
        placement = place_inputs(self._needs(), dims, event_columns)
        return PartsDesign(self.design, list(self.feature_names_), placement)

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

    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise ValueError("SegmentModel is not fitted; call fit first")

    # -- prediction -----------------------------------------------------------------------
    def pool(self, frame: pl.DataFrame | SegmentParts) -> Pool:
        """The CatBoost pool of a frame or of its parts: what the model(s) see."""
        self._check_fitted()
        if isinstance(frame, SegmentParts):
            if self.takes_matrix():
                dims = {key: dim.columns for key, dim in frame.dims.items()}
                design = self.parts_design(frame.events.columns, dims)
                design.add(frame.dims)
                return self.matrix_pool(design.matrix(frame.events))
            frame = frame.flat()  # string inputs go to CatBoost as they are
        _require(frame, self.input_columns_)
        return self._pool(self.design(frame))

    def predict_proba(self, frame: pl.DataFrame | SegmentParts) -> np.ndarray:
        """(rows, 5) probabilities of segments 1..5, corrected for the class weights."""
        return self.proba_from_pool(self.pool(frame))

    def proba_from_pool(self, pool: Pool) -> np.ndarray:
        self._check_fitted()
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

    def predict(self, frame: pl.DataFrame | SegmentParts) -> np.ndarray:
        return np.asarray(self.classes_)[self.predict_proba(frame).argmax(axis=1)]

    # -- explanation ----------------------------------------------------------------------
    def feature_sources(self) -> dict[str, str]:
        """Model feature -> the frame column it comes from (te_bundle_3 -> bundle)."""
        self._check_fitted()
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


def _present(dim: pl.DataFrame, events: pl.DataFrame, key: str) -> pl.DataFrame:
    """The rows of a dimension frame whose key some event has (as the flat frame has)."""
    return dim.filter(pl.col(key).is_in(events.get_column(key).unique().implode()))


def _require_parts(parts: SegmentParts, columns: list[str]) -> None:
    have = set(parts.events.columns).union(*(dim.columns for dim in parts.dims.values()))
    missing = [c for c in columns if c not in have]
    if missing:
        raise ValueError(f"segment parts lack column(s): {', '.join(missing)}")

"""The cluster model: feature spec + region frequency + scaler + KMeans centroids.

Clusters are numbered 1..k everywhere people see them (scikit-learn's label + 1).
Everything the model learned is also exported as plain tables (`centroids_frame`,
`scaler_frame`, `region_frequency_`), which is what the SQL assignment reads.
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from modeling.clusters.features import SOURCE_COLUMNS, FeatureSpec, raw_features, region_frequency
from modeling.contract import as_polars
from modeling.raw_rows import ad_event_features, looks_raw
from queries.runner import run

log = logging.getLogger(__name__)


class ClusterModel:
    """KMeans on standardised when/where features of ad requests.

    Plain KMeans up to `minibatch_above` rows, MiniBatchKMeans beyond. With eight or
    nine features scikit-learn's chunked Lloyd KMeans is as fast as mini-batches on the
    default 250k-row fit sample and fits better (10M demo events, k = 5, 10, 15, 20:
    KMeans n_init=3 used 1.4-3.8 CPU s, MiniBatchKMeans 3.1-7.8 s, with 0.3-4 % higher
    inertia), so mini-batches are kept for samples of millions of rows.
    """

    def __init__(
        self,
        n_clusters: int = 8,
        include_day_of_month: bool = False,
        n_init: int = 3,
        max_iter: int = 200,
        batch_size: int = 4096,
        minibatch_above: int = 1_000_000,
        random_state: int = 0,
    ) -> None:
        self.n_clusters = n_clusters
        self.include_day_of_month = include_day_of_month
        self.n_init = n_init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.minibatch_above = minibatch_above
        self.random_state = random_state

    @property
    def spec(self) -> FeatureSpec:
        return FeatureSpec(include_day_of_month=self.include_day_of_month)

    def fit(self, frame: pl.DataFrame, frequency: pl.DataFrame | None = None) -> ClusterModel:
        """Fit on rows with the features.ad_events source columns.

        `frequency` (oblast, events, log_share) is the region frequency over the whole
        warehouse; when omitted it is measured on `frame` itself.
        """
        if self.n_clusters < 1:
            raise ValueError(f"n_clusters must be at least 1, got {self.n_clusters}")
        if frame.height < self.n_clusters:
            raise ValueError(f"{frame.height} rows cannot make {self.n_clusters} clusters")
        self.region_frequency_ = frequency if frequency is not None else region_frequency(frame)
        self.feature_names_ = list(self.spec.names)
        raw = self._raw(frame)
        self.scaler_ = StandardScaler().fit(raw)  # NaN (unknown region) is ignored in fit
        self._neutralise_empty_features()
        scaled = self._fill(self.scaler_.transform(raw))
        self.kmeans_ = self._estimator(len(scaled)).fit(scaled)
        self.n_features_in_ = scaled.shape[1]
        return self

    def _neutralise_empty_features(self) -> None:
        # A feature with no value at all (ref.regions not loaded) would poison every
        # distance with NaN; it becomes a constant 0 instead, and we say so.
        empty = np.isnan(self.scaler_.mean_)
        if empty.any():
            names = [n for n, e in zip(self.feature_names_, empty, strict=True) if e]
            log.warning("features without any value, held at 0: %s (is ref.regions loaded?)", names)
            self.scaler_.mean_[empty] = 0.0
            self.scaler_.scale_[empty] = 1.0

    def _estimator(self, n_rows: int) -> KMeans | MiniBatchKMeans:
        if n_rows > self.minibatch_above:
            return MiniBatchKMeans(
                n_clusters=self.n_clusters,
                n_init=self.n_init,
                max_iter=self.max_iter,
                batch_size=self.batch_size,
                random_state=self.random_state,
            )
        return KMeans(
            n_clusters=self.n_clusters,
            n_init=self.n_init,
            max_iter=self.max_iter,
            random_state=self.random_state,
        )

    def _raw(self, frame: pl.DataFrame) -> np.ndarray:
        table = raw_features(frame, self.region_frequency_, self.spec)
        return table.to_numpy().astype(np.float64)

    @staticmethod
    def _fill(scaled: np.ndarray) -> np.ndarray:
        # A missing raw value sits at the training mean: z = 0 (the SQL does the same).
        return np.nan_to_num(scaled, nan=0.0)

    def _check_fitted(self) -> None:
        if not hasattr(self, "kmeans_"):
            raise NotFittedError("ClusterModel is not fitted; call fit first")

    def transform(self, frame: pl.DataFrame) -> np.ndarray:
        """Standardised features, rows x features, in `feature_names_` order."""
        self._check_fitted()
        return self._fill(self.scaler_.transform(self._raw(frame)))

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        """Cluster number 1..k of each row: rows of features.ad_events, or raw ad events as
        exported (a Polars or pandas frame in the ad_events contract's columns), whose
        features are then built by the same queries as training."""
        frame = as_polars(frame)
        if looks_raw(frame, "ad_events", list(SOURCE_COLUMNS)):
            frame = ad_event_features(frame, _cluster_columns)
        return self.predict_scaled(self.transform(frame))

    def predict_scaled(self, scaled: np.ndarray) -> np.ndarray:
        """Cluster number 1..k of already standardised rows."""
        self._check_fitted()
        return self.kmeans_.predict(scaled).astype(np.int16) + 1

    def centroids_frame(self) -> pl.DataFrame:
        """cluster (1..k), feature, value: the centroids in standardised units, long form."""
        self._check_fitted()
        centers = self.kmeans_.cluster_centers_
        return pl.DataFrame(
            {
                "cluster": np.repeat(np.arange(1, centers.shape[0] + 1), centers.shape[1]).astype(
                    np.int16
                ),
                "feature": self.feature_names_ * centers.shape[0],
                "value": centers.ravel().astype(np.float64),
            }
        )

    def scaler_frame(self) -> pl.DataFrame:
        """feature, position, mean, scale of the standardisation."""
        self._check_fitted()
        return pl.DataFrame(
            {
                "feature": self.feature_names_,
                "position": np.arange(len(self.feature_names_), dtype=np.int16),
                "mean": self.scaler_.mean_.astype(np.float64),
                "scale": self.scaler_.scale_.astype(np.float64),
            }
        )


def _cluster_columns(con) -> pl.DataFrame:
    """Every event of a (scratch) warehouse with the columns the model reads."""
    everything = {"rows": None, "seed": 0, "labeled_only": False}
    return run(con, "cluster_event_sample", everything)

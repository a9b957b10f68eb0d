"""A 2D picture of the clusters: PCA of the model's standardised features on a sample.

PCA rather than t-SNE or UMAP: it is linear, deterministic and cheap, the axes mean
something (loadings are returned), and with 8-9 features two components keep most of
the structure KMeans sees. Points are drawn, not clustered, in this space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.decomposition import PCA

from modeling.clusters.features import check_columns
from modeling.clusters.model import ClusterModel


@dataclass(frozen=True)
class ProjectionResult:
    """event_id, x, y, cluster, segment per sampled event; PCA variance and loadings."""

    table: pl.DataFrame
    explained_variance_ratio: list[float]
    loadings: pl.DataFrame  # feature, x, y

    @property
    def method(self) -> str:
        return "pca of the standardised cluster features"


def project(model: ClusterModel, frame: pl.DataFrame, random_state: int = 0) -> ProjectionResult:
    """Project the rows of `frame` (event_id, segment and the source columns) to 2D."""
    check_columns(frame, ["event_id", "segment"])
    scaled = model.transform(frame)
    components = min(2, scaled.shape[1], scaled.shape[0])
    pca = PCA(n_components=components, random_state=random_state).fit(scaled)
    points = pca.transform(scaled)
    if components < 2:  # a degenerate sample: keep the table shape, y is 0
        points = np.column_stack([points, np.zeros(len(points))])
    table = pl.DataFrame(
        {
            "event_id": frame.get_column("event_id").cast(pl.Int64),
            "x": points[:, 0].astype(np.float64),
            "y": points[:, 1].astype(np.float64),
            "cluster": model.predict_scaled(scaled),
            "segment": frame.get_column("segment").cast(pl.Int8),
        }
    )
    loadings = pl.DataFrame(
        {
            "feature": model.feature_names_,
            "x": pca.components_[0].astype(np.float64),
            "y": (pca.components_[1] if components > 1 else np.zeros(scaled.shape[1])).astype(
                np.float64
            ),
        }
    )
    return ProjectionResult(
        table=table,
        explained_variance_ratio=[float(v) for v in pca.explained_variance_ratio_],
        loadings=loadings,
    )

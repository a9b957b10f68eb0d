"""Behavioural clusters of ad requests: when and where people are active, set against
the audience segments (KMeans, k chosen by phik with the segment).

    from modeling.registry import load_model
    model = load_model(kind="clusters")   # a ClusterModel
    model.predict(frame)                  # cluster 1..k of rows of features.ad_events
"""

from modeling.clusters.correlation import PhikResult, phik_correlations
from modeling.clusters.coverage import CoverageResult, ProfileResult, coverage, profiles
from modeling.clusters.features import FeatureSpec
from modeling.clusters.model import ClusterModel
from modeling.clusters.projection import ProjectionResult, project
from modeling.clusters.selection import KSelection, choose_k, cluster_segment_phik, select_k

__all__ = [
    "ClusterModel",
    "CoverageResult",
    "FeatureSpec",
    "KSelection",
    "PhikResult",
    "ProfileResult",
    "ProjectionResult",
    "choose_k",
    "cluster_segment_phik",
    "coverage",
    "phik_correlations",
    "profiles",
    "project",
    "select_k",
]

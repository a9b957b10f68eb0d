"""The generic trainer: any labeled table, binary or multiclass, same registry and metrics."""

from modeling.tabular.infer import ColumnRoles, infer_roles
from modeling.tabular.metrics import TableMetrics
from modeling.tabular.model import TableModel
from modeling.tabular.train import TableTrainOptions, train_table

__all__ = [
    "ColumnRoles",
    "TableMetrics",
    "TableModel",
    "TableTrainOptions",
    "infer_roles",
    "train_table",
]

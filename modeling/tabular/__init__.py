"""The generic trainer: any labeled table, binary or multiclass, same registry and metrics."""

from modeling.tabular.infer import ColumnRoles, infer_roles
from modeling.tabular.model import TableModel
from modeling.tabular.train import TableTrainOptions, train_table_model

__all__ = ["ColumnRoles", "TableModel", "TableTrainOptions", "infer_roles", "train_table_model"]

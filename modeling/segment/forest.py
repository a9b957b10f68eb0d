"""Where segment models pickled before modeling.segment.fast existed find the class of
the tree tables kept with them (`tree_tables_`): the registry unpickles by module path."""

from modeling.segment.fast.forest import TreeTables

__all__ = ["TreeTables"]

"""A multiclass CatBoost segment model evaluated key by key over the frame's parts.

Nearly every model column depends on one key of an event alone (design.PartsDesign): the
app, the place, the device, the local hour. So does every split on such a column: which
side of its border each app, place, device or hour falls is decided once per key value,
as bits of each tree's leaf index. An event's leaf in a tree is then the OR of its keys'
bits (plus the few splits on the event's own columns), and its raw score the sum of its
leaves' values. No design matrix is gathered and nothing is binarised per event, which
is what CatBoost's own predict spends about half its time on; the rest (summing the
leaves) runs in a small numba kernel.

The result is CatBoost's (differences of the order of 1e-15, from summing in another
order): `KeyedForest.proba` is compared with CatBoost on a slice of every batch by the
scorer, which falls back on CatBoost when they differ. Only oblivious trees over float
features with a MultiClass loss qualify (`KeyedForest.unsupported` says why not).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from modeling.segment.fast.design import PartsDesign
from modeling.segment.model import SegmentModel

CLASSES = 5  # the kernel sums leaf values in 5 scalars (segments 1..5)
MAX_DEPTH = 8  # leaf indexes are bytes
SLICE_ROWS = 50_000  # fewest events worth a thread of their own in `evaluate`
# The cores this process may run on (Linux); every core elsewhere.
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class KeyedForest:
    """Segment probabilities of event rows from a PartsDesign's keys, CatBoost's trees."""

    def __init__(self, model: SegmentModel, design: PartsDesign):
        reason = self.unsupported(model) or (None if design.blocks else "no key blocks")
        if reason:
            raise ValueError(f"this model cannot be evaluated key by key: {reason}")
        tables = tree_tables(model)  # ValueError when its trees do not qualify
        self.model = model
        self.design = design
        self.nan_true = tables.nan_true
        self.scale, self.bias = tables.scale, tables.bias
        self.splits = tables.splits
        self.trees = len(tables.leaf_values)
        self.leaf_values = tables.leaf_values.copy()
        self.block_bits: dict[str, np.ndarray] = {}  # key -> (key values, trees) uint8
        self.stacked = np.zeros((0, self.trees), dtype=np.uint8)
        self.offsets: dict[str, int] = {}
        self.event_splits: tuple[np.ndarray, ...] | None = None
        # The key values the design has now, before any batch: scoring builds the forest
        # while the first events are still being read.
        self._sync()

    @staticmethod
    def unsupported(model: SegmentModel) -> str | None:
        """Why `model` cannot be evaluated key by key (None: it may be; the constructor
        then checks its trees and raises ValueError if not)."""
        if model.strategy != "multiclass" or len(model.models_) != 1:
            return "not a single multiclass model"
        if not model.takes_matrix():
            return "it takes string columns"
        if model.models_[0].get_params().get("loss_function", "MultiClass") != "MultiClass":
            return "its loss is not MultiClass"
        return None

    def proba(
        self, rows: dict[str, np.ndarray], event_columns: list[str], event_values: np.ndarray
    ) -> np.ndarray:
        """(events, classes) probabilities, as SegmentModel.predict_proba returns them.

        `rows`: each key's row in the design's blocks (PartsDesign.rows); `event_columns`
        and `event_values`: the event rows' own model columns (PartsDesign.event_values).
        """
        return self.evaluate(self.prepare(rows, event_columns, event_values))

    def prepare(
        self, rows: dict[str, np.ndarray], event_columns: list[str], event_values: np.ndarray
    ) -> tuple:
        """The kernel's inputs for a batch. Call it where the design grows (it reads the
        design's blocks); `evaluate` may then run on another thread: `_sync` replaces
        arrays rather than changing them, so the inputs stay as they were."""
        self._sync()
        key_rows = np.empty((len(event_values), len(self.design.blocks)), dtype=np.int64)
        for b, block in enumerate(self.design.blocks):
            key_rows[:, b] = rows[block.key] + self.offsets[block.key]
        values = np.array(event_values, dtype=np.float32, order="C")
        positions = np.array([self.design.position[name] for name in event_columns], dtype=int)
        if self.event_splits is None:
            self.event_splits = self._event_splits(positions)
        nan_true = self.nan_true[positions]
        if nan_true.any():  # NaN goes to the split's true side: compare it as +inf
            values[:, nan_true] = np.where(
                np.isnan(values[:, nan_true]), np.inf, values[:, nan_true]
            )
        return key_rows, self.stacked, values, *self.event_splits

    def evaluate(self, prepared: tuple, slice_rows: int = SLICE_ROWS) -> np.ndarray:
        """(events, classes) probabilities of a `prepare`d batch.

        The kernel releases the GIL: a batch is cut into up to one slice per core, of at
        least `slice_rows` events, each summed on its own thread. Scoring overlaps reading
        with predicting, but a single batch (a few hundred thousand events) has nothing
        to overlap with.
        """
        key_rows, bits, values, *splits = prepared
        proba = np.empty((len(key_rows), CLASSES))
        kernel = _kernel()

        def run(rows: slice) -> None:
            kernel(key_rows[rows], bits, values[rows], *splits, self.leaf_values, self.scale,
                   self.bias, proba[rows])  # fmt: skip

        cuts = np.linspace(0, len(key_rows), min(_CORES, 1 + len(key_rows) // slice_rows) + 1)
        slices = [slice(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        with ThreadPoolExecutor(len(slices) - 1 or 1) as helpers:
            others = [helpers.submit(run, rows) for rows in slices[1:]]
            run(slices[0])
            for other in others:
                other.result()
        return self.model.unweighted(proba)

    def _event_splits(self, positions: np.ndarray) -> tuple[np.ndarray, ...]:
        """(tree, column of event_values, border, level) of the splits on event columns."""
        column = {int(p): j for j, p in enumerate(positions)}
        own = [s for s in self.splits if s[2] in column]
        return (
            np.array([s[0] for s in own], dtype=np.int64),
            np.array([column[s[2]] for s in own], dtype=np.int64),
            np.array([s[3] for s in own], dtype=np.float32),
            np.array([s[1] for s in own], dtype=np.uint8),
        )

    def _sync(self) -> None:
        """Leaf bits of the key values that the design added since the last call."""
        grown = False
        for block in self.design.blocks:
            have = len(self.block_bits.get(block.key, ()))
            total = 0 if block.keys is None else len(block.keys)
            if block.key in self.block_bits and total == have:
                continue
            new = np.zeros((total - have, self.trees), dtype=np.uint8)
            positions = [] if block.positions is None else block.positions
            column = {int(p): j for j, p in enumerate(positions)}
            # One comparison of all new key values with the borders of all the block's
            # splits, then the bits of each level ORed into their trees' leaf indexes. A
            # tree splits once per level, so a level's trees are distinct: a plain fancy
            # assignment is correct, and it was 5x faster than summing each tree's splits
            # with np.add.reduceat (1.3 against 7.4 ms for 3,000 apps and 499 splits).
            own = [s for s in self.splits if s[2] in column]
            if own:
                trees = np.array([s[0] for s in own])
                levels = np.array([s[1] for s in own], dtype=np.uint8)
                values = block.values[have:][:, [column[s[2]] for s in own]]
                bits = values > np.array([s[3] for s in own], dtype=np.float32)
                nan_true = self.nan_true[[s[2] for s in own]]
                if nan_true.any():
                    bits |= np.isnan(values) & nan_true
                by_tree = np.zeros((self.trees, total - have), dtype=np.uint8)
                by_split = bits.T.view(np.uint8)
                for level in np.unique(levels):
                    at = levels == level
                    by_tree[trees[at]] |= by_split[at] << level
                new = np.ascontiguousarray(by_tree.T)
            done = self.block_bits.get(block.key)
            self.block_bits[block.key] = new if done is None else np.concatenate([done, new])
            grown = True
        if grown:
            parts = [self.block_bits[block.key] for block in self.design.blocks]
            sizes = np.cumsum([0, *(len(part) for part in parts)])
            self.offsets = {b.key: int(sizes[i]) for i, b in enumerate(self.design.blocks)}
            self.stacked = np.ascontiguousarray(np.concatenate(parts))


@dataclass(frozen=True)
class TreeTables:
    """What KeyedForest reads of a multiclass CatBoost model's trees."""

    # (tree, level, feature, border) of every split; bit `level` of the leaf index.
    splits: list[tuple[int, int, int, np.float32]]
    # (trees, leaves, classes): exactly, since padding the classes to 8 made the table too
    # big for the L2 cache and the kernel a third slower.
    leaf_values: np.ndarray
    nan_true: np.ndarray  # per feature: NaN goes to the split's true side
    scale: float
    bias: np.ndarray
    # CatBoost's get_leaf_values(), which costs microseconds: tells whether the tables kept
    # with a model are still its trees.
    flat_leaf_values: np.ndarray

    def describes(self, booster) -> bool:
        return np.array_equal(self.flat_leaf_values, booster.get_leaf_values())


def tree_tables(model: SegmentModel) -> TreeTables:
    """The model's trees: those kept at training (`keep_tree_tables`) while they are still
    its trees, else read from CatBoost's JSON export, which costs tens of milliseconds.
    ValueError when the trees cannot be evaluated key by key."""
    booster = model.models_[0]
    kept = getattr(model, "tree_tables_", None)
    if kept is not None and kept.describes(booster):
        return kept
    spec = _catboost_json(booster)
    reason = _unsupported_trees(model, spec)
    if reason:
        raise ValueError(f"this model cannot be evaluated key by key: {reason}")
    trees = spec["oblivious_trees"]
    scale, bias = spec["scale_and_bias"]
    leaves = max(len(tree["leaf_values"]) // CLASSES for tree in trees)
    leaf_values = np.zeros((len(trees), leaves, CLASSES))
    for t, tree in enumerate(trees):
        values = np.asarray(tree["leaf_values"], dtype=np.float64).reshape(-1, CLASSES)
        leaf_values[t, : len(values)] = values
    return TreeTables(
        splits=[
            (t, level, s["float_feature_index"], np.float32(s["border"]))
            for t, tree in enumerate(trees)
            for level, s in enumerate(tree["splits"])
        ],
        leaf_values=leaf_values,
        nan_true=np.array(
            [
                f.get("nan_value_treatment") == "AsTrue"
                for f in spec["features_info"]["float_features"]
            ]
        ),
        scale=float(scale),
        bias=np.asarray(bias, dtype=np.float64),
        flat_leaf_values=booster.get_leaf_values(),
    )


def keep_tree_tables(model: SegmentModel) -> None:
    """Keep the trees' tables on a model that qualifies (pickled with it), so that scoring
    does not read them from CatBoost's JSON export each time."""
    if KeyedForest.unsupported(model) is None:
        with contextlib.suppress(ValueError):  # trees it cannot evaluate: nothing to keep
            model.tree_tables_ = tree_tables(model)


def _unsupported_trees(model: SegmentModel, spec: dict) -> str | None:
    if "oblivious_trees" not in spec or set(spec["features_info"]) != {"float_features"}:
        return "not oblivious trees over float features"
    features = spec["features_info"]["float_features"]
    if [f["feature_id"] for f in features] != list(model.feature_names_) or any(
        f["flat_feature_index"] != i for i, f in enumerate(features)
    ):
        return "its features are not the design matrix columns in order"
    if len(spec["scale_and_bias"][1]) != CLASSES:
        return f"not {CLASSES} classes"
    if any(len(tree["splits"]) > MAX_DEPTH for tree in spec["oblivious_trees"]):
        return f"trees deeper than {MAX_DEPTH}"
    return None


def _catboost_json(booster) -> dict:
    """A CatBoost model's trees, borders and leaf values as CatBoost exports them (JSON)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json"
        booster.save_model(str(path), format="json")
        return json.loads(path.read_text())


def _forest_proba(
    key_rows, bits, values, ev_tree, ev_column, ev_border, ev_level, leaves, scale, bias, out
):
    """Softmax of each event's summed leaf values (compiled by numba in `_kernel`).

    key_rows (events, blocks): rows of `bits` (key values, trees) holding each key value's
    leaf-index bits; the splits on the events' own `values` add theirs; `leaves` (trees,
    leaves, 5) float64; the raw score is scale * sum + bias, as CatBoost's; `out`
    (events, 5) float64 gets the probabilities.
    """
    n, blocks = key_rows.shape
    trees = bits.shape[1]
    leaf = np.empty(trees, np.uint8)
    for r in range(n):
        first = key_rows[r, 0]
        for t in range(trees):
            leaf[t] = bits[first, t]
        for b in range(1, blocks):
            row = key_rows[r, b]
            for t in range(trees):
                leaf[t] |= bits[row, t]
        for s in range(ev_tree.shape[0]):
            if values[r, ev_column[s]] > ev_border[s]:
                leaf[ev_tree[s]] |= np.uint8(1) << ev_level[s]
        # Scalar sums stay in registers; an array indexed by class goes through memory
        # (about twice as slow).
        a0 = a1 = a2 = a3 = a4 = 0.0
        for t in range(trees):
            v = leaves[t, leaf[t]]
            a0 += v[0]
            a1 += v[1]
            a2 += v[2]
            a3 += v[3]
            a4 += v[4]
        a0 = a0 * scale + bias[0]
        a1 = a1 * scale + bias[1]
        a2 = a2 * scale + bias[2]
        a3 = a3 * scale + bias[3]
        a4 = a4 * scale + bias[4]
        top = max(a0, a1, a2, a3, a4)
        e0 = np.exp(a0 - top)
        e1 = np.exp(a1 - top)
        e2 = np.exp(a2 - top)
        e3 = np.exp(a3 - top)
        e4 = np.exp(a4 - top)
        total = e0 + e1 + e2 + e3 + e4
        out[r, 0] = e0 / total
        out[r, 1] = e1 / total
        out[r, 2] = e2 / total
        out[r, 3] = e3 / total
        out[r, 4] = e4 / total


_KERNEL = None


def _kernel():
    """`_forest_proba` compiled by numba (or loaded from its cache) on first use: importing
    numba and loading the kernel costs about half a CPU-second per process."""
    global _KERNEL
    if _KERNEL is None:
        import numba

        _KERNEL = numba.njit(nogil=True, cache=True)(_forest_proba)
    return _KERNEL


def kernel_loaded() -> bool:
    """True once this process has compiled or loaded the kernel."""
    return _KERNEL is not None

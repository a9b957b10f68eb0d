"""The leakage guard: finds features that are too good to be true before a model uses them.

Four checks, each on one feature at a time except the adversarial model:

- adversarial validation: can the feature (or a model on all features) tell the
  training period from the later period? A feature that alone tells them apart is a
  property of when rows were exported (day of month), not of who the user is;
- distribution shift: population stability index (PSI) between the periods;
- too good alone: a feature whose single-feature AUC stands far above every other;
- unstable over time: a feature that predicts well within the training period (random
  folds) but loses most of that power on its own latest days (a time split inside the
  training period, so the real holdout stays untouched). A period artifact leaks into
  calendar features this way: within a few weeks each weekday is a handful of dates.

Single-feature scores are smoothed per-class target rates of the feature's value (numeric
features in quantile bins), always computed out of fold. Flagged features are reported
with their reasons; the caller leaves them out by default.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

import numpy as np
import polars as pl
from catboost import CatBoostClassifier
from scipy.stats import rankdata

log = logging.getLogger(__name__)

MISSING_KEY = "\u2205"


@dataclass(frozen=True)
class LeakageRules:
    """Thresholds of the guard (documented in the run's metrics with every report)."""

    time_identifying_auc: float = 0.8
    psi_shift: float = 0.5
    alone_margin: float = 0.1
    alone_min_auc: float = 0.9
    unstable_share: float = 0.5
    unstable_min_drop: float = 0.02
    bins: int = 20
    psi_top_values: int = 30
    adversarial_rows: int = 50_000
    smoothing: float = 20.0
    folds: int = 5
    seed: int = 0


@dataclass
class FeatureCheck:
    """What the guard measured for one feature, and whether it is flagged."""

    feature: str
    single_auc: float | None = None
    single_auc_same_days: float | None = None
    single_auc_out_of_time: float | None = None
    adversarial_auc: float | None = None
    psi: float | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)


@dataclass
class LeakageReport:
    """The guard's verdict: per-feature checks and the adversarial model."""

    checks: list[FeatureCheck]
    adversarial_auc: float | None
    adversarial_auc_without_flagged: float | None
    adversarial_importance: dict[str, float]
    rules: LeakageRules

    @property
    def flagged(self) -> list[str]:
        return [c.feature for c in self.checks if c.flagged]

    def to_dict(self) -> dict:
        return {
            "flagged": self.flagged,
            "reasons": {c.feature: c.reasons for c in self.checks if c.flagged},
            "adversarial_auc": self.adversarial_auc,
            "adversarial_auc_without_flagged": self.adversarial_auc_without_flagged,
            "adversarial_importance": self.adversarial_importance,
            "features": {
                c.feature: {k: v for k, v in asdict(c).items() if k not in ("feature", "reasons")}
                for c in self.checks
            },
            "rules": asdict(self.rules),
        }


def feature_keys(
    column: pl.Series, reference: pl.Series | None = None, bins: int = 20
) -> pl.Series:
    """Discrete keys of a feature: its values as text, or quantile bins of a numeric one."""
    reference = column if reference is None else reference
    if column.dtype.is_numeric() and reference.n_unique() > bins:
        values = reference.drop_nulls().cast(pl.Float64).to_numpy()
        edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))
        numbers = column.cast(pl.Float64).to_numpy()
        keys = np.searchsorted(edges, numbers, side="right").astype(str)
        return pl.Series(column.name, keys).set(column.is_null(), MISSING_KEY)
    return column.cast(pl.String).fill_null(MISSING_KEY)


def _rates(
    fit_keys: pl.Series,
    fit_codes: np.ndarray,
    eval_keys: pl.Series,
    n_classes: int,
    smoothing: float,
) -> np.ndarray:
    """Smoothed P(class | key) learned on fit rows, for eval rows: (n_eval, n_classes)."""
    prior = np.bincount(fit_codes, minlength=n_classes) / max(len(fit_codes), 1)
    counts = (
        pl.DataFrame({"key": fit_keys, "y": fit_codes})
        .group_by("key")
        .agg([(pl.col("y") == k).sum().cast(pl.Float64).alias(f"n{k}") for k in range(n_classes)])
    )
    joined = (
        pl.DataFrame({"key": eval_keys})
        .join(counts, on="key", how="left", maintain_order="left")
        .select([f"n{k}" for k in range(n_classes)])
        .fill_null(0.0)
        .to_numpy()
    )
    return (joined + smoothing * prior) / (joined.sum(axis=1, keepdims=True) + smoothing)


def _out_of_fold(
    keys: pl.Series, codes: np.ndarray, n_classes: int, rules: LeakageRules
) -> np.ndarray:
    """Smoothed P(class | key) for every row, learned from the other folds' rows."""
    folds = np.random.default_rng(rules.seed).integers(0, rules.folds, len(codes)).astype(np.int8)
    data = pl.DataFrame({"key": keys, "fold": folds, "y": codes})
    names = [f"n{k}" for k in range(n_classes)]
    per_fold = data.group_by("key", "fold").agg(
        [(pl.col("y") == k).sum().cast(pl.Float64).alias(n) for k, n in enumerate(names)]
    )
    total = per_fold.group_by("key").agg([pl.col(n).sum().alias(f"t{n}") for n in names])
    joined = (
        data.select("key", "fold")
        .join(per_fold, on=["key", "fold"], how="left", maintain_order="left")
        .join(total, on="key", how="left", maintain_order="left")
    )
    counts = joined.select([pl.col(f"t{n}") - pl.col(n) for n in names]).to_numpy()
    fold_sizes = np.bincount(folds, minlength=rules.folds)
    class_fold = np.zeros((rules.folds, n_classes))
    np.add.at(class_fold, (folds, codes), 1)
    prior = (class_fold.sum(axis=0) - class_fold[folds]) / (len(codes) - fold_sizes[folds])[:, None]
    return (counts + rules.smoothing * prior) / (
        counts.sum(axis=1, keepdims=True) + rules.smoothing
    )


def fast_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """ROC-AUC by the rank-sum formula, ties averaged (same value as sklearn's, much faster)."""
    positive = np.asarray(positive, dtype=bool)
    n_pos = positive.sum()
    n_neg = len(positive) - n_pos
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def macro_auc(codes: np.ndarray, scores: np.ndarray) -> float | None:
    """Mean one-vs-rest AUC over classes present (a binary target: the positive class)."""
    n_classes = scores.shape[1]
    targets = [1] if n_classes == 2 else range(n_classes)
    aucs = [
        fast_auc(codes == k, scores[:, k]) for k in targets if 0 < (codes == k).sum() < len(codes)
    ]
    return float(np.mean(aucs)) if aucs else None


def psi(expected: pl.Series, actual: pl.Series, top_values: int = 30) -> float:
    """Population stability index of two samples of discrete keys (rare keys pooled)."""
    top = expected.value_counts(sort=True).head(top_values).get_column(expected.name)

    def shares(keys: pl.Series) -> pl.DataFrame:
        pooled = pl.select(
            pl.when(keys.is_in(top.implode())).then(keys).otherwise(pl.lit("\u2026")).alias("key")
        )
        return pooled.group_by("key").agg((pl.len() / len(keys)).alias("share"))

    both = shares(expected).join(shares(actual), on="key", how="full", coalesce=True, suffix="_q")
    p = both.get_column("share").fill_null(0.0).to_numpy() + 1e-4
    q = both.get_column("share_q").fill_null(0.0).to_numpy() + 1e-4
    return float(np.sum((q - p) * np.log(q / p)))


def leakage_guard(
    frame: pl.DataFrame,
    target: str,
    features: list[str],
    *,
    time: str | None = None,
    later: pl.DataFrame | None = None,
    rules: LeakageRules | None = None,
) -> LeakageReport:
    """Judge every feature of a labeled training frame.

    `time` (a column of `frame`) enables the out-of-time stability check on the frame's
    own latest fifth; `later` (rows of the later period, labels not needed) enables
    adversarial validation and the shift check.
    """
    rules = rules or LeakageRules()
    missing = [c for c in [target, *features] if c not in frame.columns]
    if missing:
        raise ValueError(f"leakage guard: frame lacks column(s) {', '.join(missing)}")
    labels = frame.get_column(target)
    classes = labels.unique().drop_nulls().sort()
    if len(classes) < 2:
        raise ValueError(f"leakage guard: target {target!r} has fewer than two classes")
    codes = labels.replace_strict(
        classes.to_list(), list(range(len(classes))), return_dtype=pl.Int64
    ).to_numpy()
    n_classes = len(classes)
    late = None
    if time is not None:
        cut = frame.get_column(time).quantile(0.8, interpolation="lower")
        late = (frame.get_column(time) > cut).to_numpy()
        if late.sum() == 0 or late.all():
            late = None
    checks = []
    adversarial_scores = {}
    for name in features:
        check = FeatureCheck(name)
        keys = feature_keys(frame.get_column(name), bins=rules.bins)
        in_period = _out_of_fold(keys, codes, n_classes, rules)
        check.single_auc = macro_auc(codes, in_period)
        if late is not None:
            # The same latest days, scored from those days themselves (random folds) and
            # from the earlier days only: a real trait predicts both ways alike.
            mask = pl.Series(late)
            late_keys, late_codes = keys.filter(mask), codes[late]
            same = _out_of_fold(late_keys, late_codes, n_classes, rules)
            other = _rates(keys.filter(~mask), codes[~late], late_keys, n_classes, rules.smoothing)
            check.single_auc_same_days = macro_auc(late_codes, same)
            check.single_auc_out_of_time = macro_auc(late_codes, other)
        if later is not None and name in later.columns:
            later_keys = feature_keys(later.get_column(name), frame.get_column(name), rules.bins)
            check.psi = psi(keys, later_keys, rules.psi_top_values)
            both = pl.concat([keys, later_keys])
            period = np.r_[np.zeros(len(keys), int), np.ones(len(later_keys), int)]
            scores = _out_of_fold(both, period, 2, rules)
            check.adversarial_auc = macro_auc(period, scores)
            adversarial_scores[name] = scores[:, 1]
        checks.append(check)
    # A drop smaller than three standard errors of an AUC on the latest days' smallest
    # class (0.5 / sqrt(n) bounds it) is noise, not instability.
    floor = rules.unstable_min_drop
    if late is not None:
        smallest = np.bincount(codes[late], minlength=n_classes).min()
        floor = max(floor, 1.5 / np.sqrt(max(smallest, 1)))
    _judge(checks, rules, floor)
    flagged = [c.feature for c in checks if c.flagged]
    auc_all, importance = _adversarial_model(adversarial_scores, len(frame), rules)
    auc_clean, _ = _adversarial_model(
        {k: v for k, v in adversarial_scores.items() if k not in flagged}, len(frame), rules
    )
    report = LeakageReport(checks, auc_all, auc_clean, importance, rules)
    log.info("leakage guard flagged %s", report.flagged or "nothing")
    return report


def _judge(checks: list[FeatureCheck], rules: LeakageRules, min_drop: float) -> None:
    aucs = sorted((c.single_auc or 0.5 for c in checks), reverse=True)
    for check in checks:
        if (
            check.adversarial_auc is not None
            and check.adversarial_auc >= rules.time_identifying_auc
        ):
            check.reasons.append(
                f"tells the periods apart alone (adversarial AUC {check.adversarial_auc:.3f})"
            )
        if check.psi is not None and check.psi >= rules.psi_shift:
            check.reasons.append(f"distribution shifts between periods (PSI {check.psi:.2f})")
        auc = check.single_auc or 0.5
        runner_up = aucs[1] if auc == aucs[0] and len(aucs) > 1 else aucs[0]
        if auc >= rules.alone_min_auc and auc - runner_up >= rules.alone_margin:
            check.reasons.append(
                f"too good alone (AUC {auc:.3f} against {runner_up:.3f} for the next feature)"
            )
        same, out = check.single_auc_same_days, check.single_auc_out_of_time
        if same is not None and out is not None and same > 0.5:
            if out - 0.5 < rules.unstable_share * (same - 0.5) and same - out >= min_drop:
                check.reasons.append(
                    f"unstable over time (AUC {same:.3f} learned on its own latest days, "
                    f"{out:.3f} learned on the earlier days)"
                )


def _adversarial_model(
    scores: dict[str, np.ndarray], n_first: int, rules: LeakageRules
) -> tuple[float | None, dict[str, float]]:
    """AUC of a CatBoost model telling the periods apart from all features' scores."""
    if not scores:
        return None, {}
    names = list(scores)
    matrix = np.column_stack([scores[n] for n in names]).astype(np.float32)
    period = np.r_[np.zeros(n_first, int), np.ones(len(matrix) - n_first, int)]
    rng = np.random.default_rng(rules.seed)
    # A balanced subsample is plenty to tell two periods apart, and keeps this quick.
    keep = np.r_[
        rng.permutation(n_first)[: rules.adversarial_rows],
        n_first + rng.permutation(len(matrix) - n_first)[: rules.adversarial_rows],
    ]
    matrix, period = matrix[keep], period[keep]
    test = rng.random(len(matrix)) < 0.3
    if len(np.unique(period[test])) < 2 or len(np.unique(period[~test])) < 2:
        return None, {}
    model = CatBoostClassifier(
        iterations=60,
        depth=4,
        thread_count=2,
        random_seed=rules.seed,
        allow_writing_files=False,
        verbose=0,
    )
    model.fit(matrix[~test], period[~test])
    auc = fast_auc(period[test] == 1, model.predict_proba(matrix[test])[:, 1])
    importance = dict(zip(names, (float(v) for v in model.get_feature_importance()), strict=True))
    return auc, importance

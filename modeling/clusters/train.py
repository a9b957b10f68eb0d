"""One cluster run end to end: sample, choose k (with and without day of month), assign
every event in SQL, fill the marts, compare the segment model with and without the
cluster id, and register the run.

Samples (deterministic hash samples of features.ad_events, see
queries/sql/cluster_event_sample.sql): the models are fitted on `sample_rows` events
(labeled or not); phik with the segment, the phik matrix and the day-of-month
comparison use `phik_rows` labeled events drawn independently; silhouette uses
`silhouette_rows` of the fit sample; the projection `projection_rows` events.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import duckdb
import polars as pl
from phik.phik import phik_from_array
from sklearn.metrics import adjusted_rand_score

from modeling.clusters import store
from modeling.clusters.correlation import phik_correlations
from modeling.clusters.features import SOURCE_COLUMNS, VARIANT_WITH, VARIANT_WITHOUT
from modeling.clusters.metrics import ClusterMetrics, SegmentComparison
from modeling.clusters.projection import project
from modeling.clusters.selection import DEFAULT_KS, DEFAULT_TOLERANCE, KSelection, select_k
from modeling.contract import Progress, Steps, TrainOptions, TrainResult
from modeling.registry import RunRecord, data_fingerprint, new_run_id, save_run
from queries.runner import run
from queries.segment_features import ensure_segment_features
from warehouse.db import transaction

log = logging.getLogger(__name__)

# Trains the segment model with and without the cluster id of the run given.
CompareSegmentModel = Callable[[duckdb.DuckDBPyConnection, str], SegmentComparison]


@dataclass(frozen=True, kw_only=True)
class ClusterTrainOptions(TrainOptions):
    """What a cluster run samples, tries and keeps. `sample_rows`: the events the models
    are fitted on (labeled or not)."""

    seed: int = 0
    sample_rows: int | None = 250_000
    ks: tuple[int, ...] = DEFAULT_KS
    phik_rows: int = 200_000
    silhouette_rows: int = 5_000
    projection_rows: int = 20_000
    top_n: int = 10
    tolerance: float = DEFAULT_TOLERANCE
    keep_previous_assignments: bool = False
    model_params: dict = field(default_factory=dict)


def total_steps(options: ClusterTrainOptions) -> int:
    """Progress steps `train_clusters` reports: one per k and variant, and seven more."""
    return 2 * len(set(options.ks)) + 7


def _sample(con, rows: int, seed: int, labeled_only: bool) -> pl.DataFrame:
    return run(
        con, "cluster_event_sample", {"rows": rows, "seed": seed, "labeled_only": labeled_only}
    )


def load_samples(
    con: duckdb.DuckDBPyConnection, options: ClusterTrainOptions
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(region frequency, fit sample, labeled evaluation sample)."""
    ensure_segment_features(con)  # a view over raw.ad_events: never stale
    frequency = run(con, "cluster_region_frequency")
    fit_frame = _sample(con, options.sample_rows, options.seed, labeled_only=False)
    eval_frame = _sample(con, options.phik_rows, options.seed + 1, labeled_only=True)
    if fit_frame.height < max(options.ks):
        raise ValueError(
            f"features.ad_events has {fit_frame.height} events; need at least {max(options.ks)}"
        )
    if eval_frame.get_column("segment").n_unique() < 2:
        raise ValueError("need labeled events of at least two segments to choose k")
    return frequency, fit_frame, eval_frame


def day_of_month_comparison(
    without: KSelection, with_dom: KSelection, eval_frame: pl.DataFrame
) -> dict:
    """What adding the day of month changes: k, phik, silhouette, and the clusters themselves."""
    plain = without.model.predict(eval_frame)
    dated = with_dom.model.predict(eval_frame)
    day = eval_frame.get_column("day_of_month").to_numpy()
    a, b = without.chosen, with_dom.chosen
    same_k = with_dom.curve.filter(pl.col("k") == a["k"])
    dom_plain = float(phik_from_array(plain, day))
    dom_dated = float(phik_from_array(dated, day))
    agreement = float(adjusted_rand_score(plain, dated))
    gain = b["phik"] - a["phik"]
    verdict = (
        "the gain comes from how the export was assembled, not from the audience"
        if gain > 0
        else "the day of month adds nothing about the segments"
    )
    return {
        VARIANT_WITHOUT: a,
        VARIANT_WITH: b,
        "phik_with_day_of_month_at_same_k": same_k["phik"][0] if same_k.height else None,
        "phik_gain": gain,
        "adjusted_rand_index": agreement,
        "phik_cluster_day_of_month": {VARIANT_WITHOUT: dom_plain, VARIANT_WITH: dom_dated},
        "summary": (
            f"with day of month: k {b['k']} (without: {a['k']}), phik with segment "
            f"{b['phik']:.3f} (without: {a['phik']:.3f}): {verdict}. The clusters follow the "
            f"day of month with phik {dom_dated:.3f} (without: {dom_plain:.3f}); agreement of "
            f"the two partitions, adjusted Rand index {agreement:.3f}."
        ),
    }


def _phik_frame(eval_frame: pl.DataFrame, model, frequency: pl.DataFrame) -> pl.DataFrame:
    return eval_frame.join(
        frequency.select("oblast", pl.col("log_share").alias("region_log_frequency")),
        on="oblast",
        how="left",
        maintain_order="left",
    ).select(
        pl.Series("cluster", model.predict(eval_frame)),
        "segment",
        *SOURCE_COLUMNS,
        "region_log_frequency",
    )


def _curves(selections: dict[str, KSelection]) -> pl.DataFrame:
    return pl.concat(
        [
            s.curve.select("k", "phik", "silhouette").with_columns(variant=pl.lit(v))
            for v, s in selections.items()
        ]
    )


def train_clusters(
    con: duckdb.DuckDBPyConnection,
    options: ClusterTrainOptions | None = None,
    progress: Progress | None = None,
    *,
    compare_segment_model: CompareSegmentModel | None = None,
) -> TrainResult[ClusterMetrics]:
    """Run the whole cluster pipeline on the warehouse behind `con`; return the run.

    `compare_segment_model(con, run_id)` (modeling.clusters.segment_feature) trains the
    segment model with and without this run's cluster id; its figures go in the metrics.
    """
    options = options or ClusterTrainOptions()
    steps = Steps(progress, total_steps(options))
    started = time.perf_counter()
    frequency, fit_frame, eval_frame = load_samples(con, options)
    steps("samples loaded")
    selections = {}
    for include in (False, True):
        selection = select_k(
            fit_frame,
            eval_frame,
            frequency=frequency,
            include_day_of_month=include,
            ks=options.ks,
            tolerance=options.tolerance,
            silhouette_rows=options.silhouette_rows,
            random_state=options.seed,
            model_params=options.model_params,
            progress=lambda variant, k: steps(f"{variant} k={k}"),
        )
        selections[selection.variant] = selection
    chosen = selections[VARIANT_WITHOUT]
    model = chosen.model
    comparison = day_of_month_comparison(chosen, selections[VARIANT_WITH], eval_frame)
    phik = phik_correlations(_phik_frame(eval_frame, model, frequency))
    steps("phik matrix")
    projection_sample = _sample(con, options.projection_rows, options.seed + 2, False)
    projection = project(model, projection_sample, random_state=options.seed)
    steps("projection")
    fitted = time.perf_counter()

    run_id = new_run_id()
    with transaction(con):
        store.save_model_tables(con, run_id, model)
        assigned = store.assign_in_sql(con, run_id)
        steps("assigned in SQL")
        store.fill_coverage_and_profiles(con, run_id, options.top_n)
        store.insert_frame(con, "marts.cluster_k_selection", run_id, _curves(selections))
        store.insert_frame(con, "marts.cluster_phik", run_id, phik.table)
        store.insert_frame(con, "marts.cluster_projection", run_id, projection.table)
    steps("marts filled")
    assigned_at = time.perf_counter()
    try:
        segment = compare_segment_model(con, run_id) if compare_segment_model else None
        steps("segment model with and without cluster")
        metrics = _metrics(chosen, selections, comparison, phik, projection, options, assigned)
        metrics.fit_sample_rows = fit_frame.height
        metrics.silhouette_sample_rows = min(options.silhouette_rows, fit_frame.height)
        metrics.segment_model = segment
        result = save_run(
            con,
            RunRecord(
                kind="clusters",
                target="segment",
                model=model,
                params={**asdict(options), "k": chosen.chosen_k, **_model_params(model)},
                features={
                    "features": model.feature_names_,
                    "left_out": {
                        "day_of_month": "export artifact; compared in metrics.day_of_month"
                    },
                },
                metrics=metrics,
                data_fingerprint=data_fingerprint(fit_frame),
                notes=comparison["summary"],
                timings={
                    "fit": fitted - started,
                    "assign": assigned_at - fitted,
                    "segment_comparison": time.perf_counter() - assigned_at,
                    "total": time.perf_counter() - started,
                },
            ),
            run_id=run_id,
        )
    except BaseException:
        # Marts of a run that never reached the registry would be orphans: remove them.
        with transaction(con):
            store.delete_run(con, run_id)
        raise
    if not options.keep_previous_assignments:
        with transaction(con):
            store.drop_other_assignments(con, run_id)
    steps("registered")
    return result


def _model_params(model) -> dict:
    names = ("n_init", "max_iter", "batch_size", "minibatch_above", "random_state")
    return {name: getattr(model, name) for name in names} | {
        "estimator": type(model.kmeans_).__name__
    }


def _metrics(chosen, selections, comparison, phik, projection, options, assigned) -> ClusterMetrics:
    summary = {}
    for variant, selection in selections.items():
        curve = selection.curve
        best = curve.sort("phik", descending=True).row(0, named=True)
        silhouettes = curve.drop_nulls("silhouette").sort("silhouette", descending=True)
        summary[variant] = {
            "chosen": selection.chosen,
            "best_phik_k": int(best["k"]),
            "best_phik": best["phik"],
            "best_silhouette_k": int(silhouettes["k"][0]) if silhouettes.height else None,
            "curve": curve.select("k", "phik", "silhouette").to_dicts(),
        }
    return ClusterMetrics(
        k=chosen.chosen_k,
        phik=chosen.chosen["phik"],
        silhouette=chosen.chosen["silhouette"],
        k_rule=f"smallest k with phik >= best phik - {options.tolerance}",
        k_range=[min(options.ks), max(options.ks)],
        phik_sample_rows=phik.rows,
        curves=summary,
        day_of_month=comparison,
        projection={
            "method": projection.method,
            "rows": projection.table.height,
            "explained_variance_ratio": projection.explained_variance_ratio,
            "loadings": projection.loadings.to_dicts(),
        },
        assigned_events=int(assigned),
    )

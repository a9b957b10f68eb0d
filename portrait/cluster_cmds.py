"""`portrait train clusters`: behavioural clusters of ad requests and their segment coverage."""

from __future__ import annotations

import click

from modeling.clusters import train as clusters
from modeling.clusters.metrics import ClusterMetrics, SegmentComparison
from modeling.clusters.selection import DEFAULT_TOLERANCE
from modeling.contract import Progress, Step, TrainResult
from portrait.options import int_option, seed_option
from portrait.progress import echo_result, progress_bar
from portrait.warehouse_access import writing

COMPARISON_SHAP_ROWS = 2_000


def _segment_comparison(
    enabled: bool, rows: int, iterations: int | None, seed: int, progress: Progress
):
    if not enabled:
        return None
    # Imported here: the segment model is a heavy import that a run without it skips.
    from modeling.clusters.segment_feature import compare_segment_model
    from modeling.segment import SegmentTrainOptions

    options = SegmentTrainOptions(
        sample_rows=rows,
        holdout_rows=rows // 2,
        # Comparison runs are judged by their AUC; a small SHAP sample still explains them.
        shap_rows=COMPARISON_SHAP_ROWS,
        seed=seed,
        iterations=iterations,
    )

    def segment_step(step: Step) -> None:
        # The segment models' own steps show as notes on the clusters' bar.
        progress(Step(f"segment: {step.message}"))

    def compare(con, run_id: str) -> SegmentComparison:
        return compare_segment_model(con, run_id, options, progress=segment_step)

    return compare


@click.command("clusters")
@int_option("--k-min", default=3, help="Smallest k tried.")
@int_option("--k-max", default=20, help="Largest k tried.")
@click.option(
    "--tolerance",
    default=DEFAULT_TOLERANCE,
    show_default=True,
    help="k is the smallest whose phik is within this of the best phik.",
)
@int_option("--fit-rows", "sample_rows", default=250_000, help="Events the models are fitted on.")
@int_option(
    "--phik-rows", default=200_000, help="Labeled events phik with the segment is measured on."
)
@int_option("--silhouette-rows", default=5_000, help="Fit rows silhouette uses.")
@int_option("--projection-rows", default=20_000, help="Events in the 2D projection.")
@int_option("--top-n", default=10, help="Regions and categories kept per cluster.")
@seed_option(default=0, help="Seed of the samples and of KMeans.")
@click.option(
    "--keep-previous-assignments",
    is_flag=True,
    help="Keep earlier runs' rows in marts.cluster_assignments (by default only this run's).",
)
@click.option(
    "--with-segment-comparison/--without-segment-comparison",
    default=True,
    show_default=True,
    help="Train the segment model with and without the cluster id and record both AUCs.",
)
@int_option(
    "--segment-rows",
    default=500_000,
    help="Labeled training rows of each segment model in the comparison (holdout: half).",
)
@click.option(
    "--segment-iterations",
    type=int,
    default=None,
    help="CatBoost iterations of the comparison's segment models (default: the model's).",
)
@click.pass_context
def train_clusters(
    ctx: click.Context,
    k_min: int,
    k_max: int,
    with_segment_comparison: bool,
    segment_rows: int,
    segment_iterations: int | None,
    **fields,
) -> None:
    """Behavioural clusters: KMeans on local hour, weekday and region, k chosen by phik."""
    if not 2 <= k_min <= k_max:
        raise click.BadParameter("need 2 <= --k-min <= --k-max", param_hint="--k-min")
    # The other options are fields of ClusterTrainOptions.
    options = clusters.ClusterTrainOptions(ks=tuple(range(k_min, k_max + 1)), **fields)
    with (
        writing(ctx, "train clusters") as (con, info),
        progress_bar("clusters") as progress,
    ):
        con.execute("set enable_progress_bar = false")  # the bar below tells the progress
        comparison = _segment_comparison(
            with_segment_comparison, segment_rows, segment_iterations, options.seed, progress
        )
        result = clusters.train_clusters(con, options, progress, compare_segment_model=comparison)
        info["message"] = f"run {result.run_id}: k={result.metrics.k}"
    _report(result)


def _report(result: TrainResult[ClusterMetrics]) -> None:
    m = result.metrics
    echo_result(result)
    click.echo(
        f"  k = {m.k} ({m.k_rule}, k in {m.k_range[0]}..{m.k_range[1]}); "
        f"phik with segment {m.phik:.3f} on {m.phik_sample_rows:,} labeled events; "
        f"silhouette {m.silhouette:.3f}"
    )
    click.echo(f"  day of month: {m.day_of_month['summary']}")
    click.echo(f"  assigned {m.assigned_events:,} events in SQL (marts.cluster_assignments)")
    segment = m.segment_model
    if segment:
        click.echo(
            f"  segment model ROC-AUC (macro): without cluster {segment.auc_without_cluster:.4f}, "
            f"with cluster {segment.auc_with_cluster:.4f} (segment runs "
            f"{segment.run_without_cluster}, {segment.run_with_cluster})"
        )

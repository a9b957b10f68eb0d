"""Model commands: `portrait train segment`, `portrait train table`, `portrait score segment`
and `portrait runs` (attached to their verb groups by `portrait.commands`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from tqdm.auto import tqdm

from portrait.options import int_option, seed_option, shap_rows_option
from portrait.progress import echo_result, progress_bar
from portrait.warehouse_access import reading, writing

if TYPE_CHECKING:  # the segment package is a heavy import that other commands skip
    from modeling.contract import TrainResult
    from modeling.segment.metrics import SegmentMetrics


@click.command("segment")
@int_option("--holdout-days", default=7, help="Latest days held out.")
@int_option("--sample-rows", default=2_000_000, help="Training rows at most (hash sample).")
@shap_rows_option()
@click.option("--iterations", type=int, help="CatBoost iterations (default 150).")
@click.option(
    "--compare",
    is_flag=True,
    help="Measure multiclass vs one-vs-rest, TF-IDF vs native text and class weights on an inner time split; keep the best.",
)
@click.option(
    "--include-flagged",
    is_flag=True,
    help="Train the headline model WITH the features the leakage guard flags.",
)
@seed_option()
@click.pass_context
def train_segment(ctx, **fields):
    """The audience segment model (CatBoost), validated on the latest days."""
    from modeling.segment import SegmentTrainOptions, train_segment

    # Every option of the command is a field of SegmentTrainOptions.
    options = SegmentTrainOptions(**fields)
    with (
        writing(ctx, "train segment") as (con, info),
        progress_bar("train segment") as progress,
    ):
        result = train_segment(con, options, progress)
        info["message"] = f"run {result.run_id}"
    _echo_segment_run(result)


def _echo_segment_run(result: TrainResult[SegmentMetrics]) -> None:
    m = result.metrics
    echo_result(result)
    click.echo(f"  log loss {m.log_loss:.4f}, accuracy {m.accuracy:.4f}")
    flagged = m.with_flagged_features or m.without_flagged_features
    if flagged:
        key = "with" if m.with_flagged_features else "without"
        click.echo(
            f"  {key} flagged features ({', '.join(flagged.features)}): macro ROC-AUC "
            f"{flagged.roc_auc_macro:.4f} (not the result)"
        )


@click.command("table")
@click.option(
    "--table",
    "table",
    required=True,
    help="Labeled table loaded with `portrait ingest --table`, e.g. raw.my_export.",
)
@click.option("--target", required=True, help="Column to predict.")
@click.option("--id", "id_column", help="Identifier column (never a feature).")
@click.option("--time", "time_column", help="Time column: validate on the latest rows.")
@shap_rows_option()
@seed_option()
@click.pass_context
def train_table(ctx, **fields):
    """Any labeled table (binary or multiclass target), with the same registry and metrics."""
    from modeling.tabular import TableTrainOptions, train_table

    # Every option of the command is a field of TableTrainOptions.
    options = TableTrainOptions(**fields)
    table = options.table
    with (
        writing(ctx, f"train table {table}") as (con, info),
        progress_bar(f"train table {table}") as progress,
    ):
        result = train_table(con, options, progress)
        info["message"] = f"run {result.run_id}"
    echo_result(result)


@click.command("segment")
@click.option("--run", "run_id", help="Segment run to score with (default: the latest).")
@click.option("--batch-rows", default=250_000, show_default=True)
@click.option(
    "--engine",
    type=click.Choice(["auto", "catboost", "forest"]),
    default="auto",
    show_default=True,
    help="catboost: CatBoost's predict; forest: the same trees evaluated per app, place, "
    "device and hour (checked against CatBoost on every batch); auto: forest for a million "
    "events or more when the model allows it.",
)
@click.pass_context
def score_segment_cmd(ctx, run_id, batch_rows, engine):
    """Score the unlabeled ad requests into marts.segment_predictions."""
    from modeling.segment.score import score_segment, unlabeled_count

    with writing(ctx, "score segment") as (con, info):
        total = unlabeled_count(con)
        with tqdm(total=total, unit="rows", desc="score segment") as bar:
            result = score_segment(
                con, run_id, batch_rows=batch_rows, progress=bar.update, engine=engine
            )
        info["message"] = f"run {result['run_id']}: {result['rows']} rows"
    click.echo(
        f"scored {result['rows']:,} events with run {result['run_id']} in {result['seconds']:.1f} s "
        f"({result['rows_per_second']:,.0f} rows/s, {result['engine']}) "
        "into marts.segment_predictions"
    )


@click.command("runs")
@click.option("--kind", help="Only runs of this kind (segment, table, clusters, churn_...).")
@click.option("--limit", default=20, show_default=True)
@click.pass_context
def runs(ctx, kind, limit):
    """List registered model runs, newest first, with their headline metric."""
    from modeling.registry import list_runs

    with reading(ctx) as con:
        frame = list_runs(con, kind).head(limit)
    if frame.is_empty():
        click.echo("no runs registered yet")
        return
    click.echo(
        f"{'run_id':<13} {'kind':<15} {'created':<19} {'status':<10} {'headline':>8}  target"
    )
    for row in frame.iter_rows(named=True):
        headline = f"{float(row['headline']):.4f}" if row["headline"] is not None else "-"
        click.echo(
            f"{row['run_id']:<13} {row['kind']:<15} {str(row['created_at'])[:19]:<19} "
            f"{row['status']:<10} {headline:>8}  {row['target']}"
        )

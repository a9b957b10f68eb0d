"""Churn commands: `portrait train churn`, `portrait score churn`, `portrait monitor churn`
and `portrait export churn`.

Each is attached to its verb group by `portrait.commands`. `churn` is the group of the
old spellings (`portrait churn score|monitor|export`), kept hidden so scripts still run.
"""

from __future__ import annotations

import sys
from datetime import date

import click

from modeling.churn.activity import ActivitySource, train_activity
from modeling.churn.export import DEFAULT_TABLE, export_file, export_postgres
from modeling.churn.labels import GRACE_DAYS, HORIZON_DAYS
from modeling.churn.metrics import ChurnMetrics
from modeling.churn.monitor import monitor as run_monitor
from modeling.churn.score import score_day, score_range
from modeling.churn.subscription import train_subscription
from modeling.churn.train import ChurnTrainOptions
from modeling.contract import TrainResult
from portrait.aliases import renamed
from portrait.options import int_option
from portrait.progress import echo_result, progress_bar
from portrait.warehouse_access import writing

DATE = click.DateTime(formats=["%Y-%m-%d"])
EXIT_RED = 3


def _day(value) -> date | None:
    return value.date() if value is not None else None


def _fmt(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _echo_result(result: TrainResult[ChurnMetrics]) -> None:
    m = result.metrics
    click.echo("")
    echo_result(result)
    click.echo(f"  {m.train_rows:,} training rows, {m.trees} trees")
    click.echo(
        f"  {'fold':>4} {'validate on':>11} {'train to':>10} {'rows':>7} {'churn':>6} "
        f"{'ROC-AUC':>7} {'PR-AUC':>6} {'Brier':>6} {'calib':>6} {'oracle':>6}"
    )
    for f in m.folds:
        click.echo(
            f"  {f.fold:>4} {f.validate_on:>11} {f.train_until:>10} {f.rows:>7,} "
            f"{f.positives:>6,} {f.roc_auc:>7.3f} {f.pr_auc:>6.3f} {f.brier:>6.3f} "
            f"{f.calibration_error:>6.3f} {_fmt(f.oracle_roc_auc):>6}"
        )
    click.echo(
        f"  mean: ROC-AUC {m.roc_auc:.3f}, PR-AUC {m.pr_auc:.3f}, Brier {m.brier:.4f}, "
        f"calibration error {m.calibration_error:.3f}"
    )


@click.command("churn")
@click.option(
    "--activity-table",
    help="Event table (schema.table) for activity churn instead of subscriptions.",
)
@click.option("--user-col", help="User column of the activity table.")
@click.option("--time-col", help="Time column of the activity table.")
@click.option("--amount-col", help="Optional amount column of the activity table.")
@click.option(
    "--horizon", type=int, help=f"Activity churn: days without events (default {HORIZON_DAYS})."
)
@click.option(
    "--grace", type=int, help=f"Activity churn: extra days of grace (default {GRACE_DAYS})."
)
@int_option(
    "--snapshots",
    default=ChurnTrainOptions.snapshots,
    help="Matured snapshot dates to learn from.",
)
@int_option(
    "--every",
    "every_days",
    default=ChurnTrainOptions.every_days,
    help="Days between snapshot dates.",
)
@int_option("--folds", default=ChurnTrainOptions.folds, help="Rolling-origin folds.")
@int_option("--iterations", default=ChurnTrainOptions.iterations, help="CatBoost trees.")
@click.option(
    "--as-of",
    type=DATE,
    default=None,
    help="Treat the data as ending on this date (default: its last event).",
)
@click.pass_context
def train_churn(ctx: click.Context, activity_table, user_col, time_col, amount_col, horizon, grace,
                snapshots, every_days, folds, iterations, as_of) -> None:  # fmt: skip
    """Train churn models with rolling-origin validation and register them.

    Without options: churn_trial and churn_paid on the subscription tables. With
    --activity-table: churn_activity on any event table with a user and a time column.
    """
    options = ChurnTrainOptions(
        snapshots=snapshots,
        every_days=every_days,
        folds=folds,
        iterations=iterations,
        date_to=_day(as_of),
    )
    if activity_table is None and (user_col or time_col or amount_col or horizon or grace):
        raise click.UsageError("--user-col, --time-col, --amount-col, --horizon and --grace "
                               "go with --activity-table")  # fmt: skip
    if activity_table is not None and not (user_col and time_col):
        raise click.UsageError("--activity-table needs --user-col and --time-col")
    with writing(ctx, "train churn") as (con, step), progress_bar("train churn") as progress:
        if activity_table is None:
            results = train_subscription(con, options, progress)
        else:
            source = ActivitySource(
                activity_table, user_col, time_col, amount_col,
                horizon if horizon is not None else HORIZON_DAYS,
                grace if grace is not None else GRACE_DAYS,
            )  # fmt: skip
            results = [train_activity(con, source, options, progress)]
        step["message"] = "; ".join(
            f"{r.kind} {r.run_id} roc_auc={r.metrics.roc_auc:.3f}" for r in results
        )
    for result in results:
        _echo_result(result)


@click.command("churn")
@click.option("--date", "day", type=DATE, help="Score date (features up to the end of it).")
@click.option("--from", "first", type=DATE, help="Backfill: first date.")
@click.option("--to", "last", type=DATE, help="Backfill: last date.")
@click.option("--kind", type=click.Choice(["subscription", "activity"]), multiple=True,
              help="Which models to score with (default: every registered churn model).")  # fmt: skip
@click.pass_context
def score_churn(ctx: click.Context, day, first, last, kind) -> None:
    """Write marts.churn_scores for a date (or a range), replacing its rows atomically."""
    if (day is not None and (first or last)) or (day is None and not (first and last)):
        raise click.UsageError("give --date D, or --from D1 --to D2")
    kinds = list(kind) or None
    with writing(ctx, "churn score") as (con, step):
        if day is not None:
            results = [score_day(con, _day(day), kinds=kinds)]
        else:
            with progress_bar("score churn", unit="date") as progress:
                results = score_range(con, _day(first), _day(last), kinds=kinds, progress=progress)
        step["message"] = f"{len(results)} date(s) scored"
    for result in results:
        counts = ", ".join(f"{c} {n:,}" for c, n in result.rows_by_cohort.items())
        click.echo(f"{result.score_date}: {counts}")


@click.command("churn")
@click.option(
    "--recompute", is_flag=True, help="Judge every matured date again, not only new ones."
)
@click.pass_context
def monitor_churn(ctx: click.Context, recompute: bool) -> None:
    """Fill marts.churn_monitoring and print it; exit 3 when the latest date of a cohort is red."""
    with writing(ctx, "churn monitor") as (con, step):
        report = run_monitor(con, recompute=recompute)
        step["message"] = f"{report.computed.height} row(s) computed"
    click.echo(f"computed {report.computed.height} row(s); marts.churn_monitoring:")
    click.echo(
        f"{'score date':>10} {'cohort':>8} {'rows':>7} {'churn':>6} {'ROC-AUC':>7} {'PR-AUC':>6} "
        f"{'Brier':>6} {'calib':>6} {'PSI':>6} status  reasons"
    )
    for r in report.table.iter_rows(named=True):
        click.echo(
            f"{r['score_date']!s:>10} {r['cohort']:>8} {r['rows']:>7,} {r['positives']:>6,} "
            f"{_fmt(r['roc_auc']):>7} {_fmt(r['pr_auc']):>6} {_fmt(r['brier']):>6} "
            f"{_fmt(r['calibration_error']):>6} {_fmt(r['psi_score']):>6} {r['status']:<6}  "
            f"{r['reasons'] or ''}"
        )
    red = report.red()
    if red.height:
        for r in red.iter_rows(named=True):
            click.echo(f"RED: {r['cohort']} on {r['score_date']}: {r['reasons']}", err=True)
        sys.exit(EXIT_RED)


@click.command("churn")
@click.option("--date", "day", type=DATE, required=True, help="Score date to export.")
@click.option(
    "--to", "path", type=click.Path(dir_okay=False), help="File to write: .csv or .parquet."
)
@click.option("--postgres", "url", help="PostgreSQL URL, e.g. postgresql://user@host:5432/db.")
@click.option(
    "--table", default=DEFAULT_TABLE, show_default=True, help="PostgreSQL table (or schema.table)."
)
@click.pass_context
def export_churn(ctx: click.Context, day, path, url, table) -> None:
    """Deliver a date's vitrine to a file or to PostgreSQL (replacing that date's rows)."""
    if (path is None) == (url is None):
        raise click.UsageError("give exactly one of --to PATH and --postgres URL")
    with writing(ctx) as (con, _):
        if path is not None:
            rows = export_file(con, _day(day), path)
            click.echo(f"{rows:,} rows of {_day(day)} written to {path}")
        else:
            rows = export_postgres(con, _day(day), url, table)
            click.echo(f"{rows:,} rows of {_day(day)} written to PostgreSQL table {table}")


@click.group("churn", hidden=True)
def churn() -> None:
    """Renamed: `portrait score churn`, `portrait monitor churn`, `portrait export churn`."""


churn.add_command(renamed(score_churn, "portrait churn score", "portrait score churn"))
churn.add_command(renamed(monitor_churn, "portrait churn monitor", "portrait monitor churn"))
churn.add_command(renamed(export_churn, "portrait churn export", "portrait export churn"))

"""`portrait demo`: the whole product on the built-in demo data, step by step.

Each step is the same command a person or scheduler would run; re-running is safe
(ingestion skips files it has loaded, scoring replaces its rows, training adds a run).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import click

from portrait.churn_cmds import monitor_churn, score_churn, train_churn
from portrait.cluster_cmds import train_clusters
from portrait.dashboard_cmds import publish_cmd, serve
from portrait.demo_cmds import demo_data
from portrait.demo_data import DEFAULT_EVENTS, DEFAULT_SEED, DEFAULT_USERS
from portrait.model_cmds import score_segment_cmd, train_segment
from portrait.warehouse_access import writing_to
from queries.runner import run

# Monitoring needs scored dates whose labels have matured (30 days + 2 days' grace).
MONITORED_WEEKS = 6
LABEL_MATURITY_DAYS = 32


def churn_score_dates(db: str) -> list:
    """The latest date (the vitrine) and weekly matured dates before it (for monitoring)."""
    with writing_to(db) as (con, _):
        as_of = run(con, "churn_as_of")["as_of"][0]
    if as_of is None:
        return []
    first_matured = as_of - timedelta(days=LABEL_MATURITY_DAYS)
    matured = [first_matured - timedelta(weeks=w) for w in range(MONITORED_WEEKS)]
    # The churn commands take dates as click parses them: datetimes at midnight.
    return [datetime.combine(day, datetime.min.time()) for day in sorted(matured) + [as_of]]


@click.command("demo")
@click.option("--events", default=DEFAULT_EVENTS, show_default=True, help="Ad events to generate.")
@click.option("--users", default=DEFAULT_USERS, show_default=True, help="Subscribers to generate.")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, help="Random seed.")
@click.option("--serve/--no-serve", "then_serve", default=False, help="Serve the dashboard after.")
@click.option("--port", default=5006, show_default=True, help="Dashboard port with --serve.")
@click.pass_context
def demo(ctx: click.Context, events: int, users: int, seed: int, then_serve: bool, port: int):
    """Generate the demo data, run every pipeline step, publish, and optionally serve."""
    started = time.monotonic()
    timings: list[tuple[str, float]] = []

    def step(title: str, command: click.Command, **params) -> None:
        click.secho(f"\n== {title}", bold=True)
        step_started = time.monotonic()
        ctx.invoke(command, **params)
        timings.append((title, time.monotonic() - step_started))

    step("demo data", demo_data, events=events, users=users, seed=seed)
    # Smaller samples than the defaults keep the demo within minutes on two cores.
    step(
        "behavioural clusters",
        train_clusters,
        sample_rows=50_000,
        phik_rows=50_000,
        segment_rows=100_000,
        segment_iterations=100,
    )
    step("segment model", train_segment)
    step("score unlabeled events", score_segment_cmd)
    step("churn models", train_churn)
    for day in churn_score_dates(ctx.obj["db"]):
        step(f"churn vitrine {day:%Y-%m-%d}", score_churn, day=day)
    click.secho("\n== churn monitoring", bold=True)
    try:
        ctx.invoke(monitor_churn)
    except SystemExit as red:
        # A red status is the monitor doing its job; the demo goes on and shows it.
        click.echo(f"(monitor exit code {red.code}: see the Churn page)")
    step("cubes and serving snapshot", publish_cmd)
    # Where the minutes went, so a slow step is visible without a profiler.
    click.echo("")
    for title, seconds in timings:
        click.echo(f"{seconds:7.1f} s  {title}")
    click.secho(f"\ndemo ready in {time.monotonic() - started:.0f} s", bold=True)
    if then_serve:
        ctx.invoke(serve, port=port)

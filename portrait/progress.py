"""The command line's progress bars and result lines: the library reports, the CLI shows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from tqdm.auto import tqdm

from modeling.contract import Progress, Step, TrainResult


@contextmanager
def progress_bar(description: str, unit: str = "step") -> Iterator[Progress]:
    """A tqdm bar on stderr driven by a library's progress callback (`Step`s)."""
    with tqdm(desc=description, unit=unit, total=None) as bar:

        def show(step: Step) -> None:
            if step.total is not None and step.total != bar.total:
                bar.total = step.total
            if step.done is not None and step.done != bar.n:
                bar.update(step.done - bar.n)
            bar.set_postfix_str(step.message[:60], refresh=True)

        yield show
        if bar.total is not None and bar.n < bar.total:
            bar.update(bar.total - bar.n)


def echo_result(result: TrainResult) -> None:
    """A trained model's run id and notes, its headline figure, and every figure that has
    the oracle's beside it (with the gap), then the seconds each stage took."""
    click.echo(f"{result.kind} run {result.run_id}: {result.notes}")
    headline = result.metrics.headline_figure()
    shown = [headline] if headline is not None else []
    shown += [f for f in result.metrics.figures() if f.oracle is not None and f not in shown]
    for figure in shown:
        line = f"  {figure.name}: {figure.value:.4f}"
        if figure.oracle is not None:
            line += f"  oracle {figure.oracle:.4f}  gap {figure.gap:+.4f}"
        click.echo(line)
    if result.timings:
        click.echo("  seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result.timings.items()))

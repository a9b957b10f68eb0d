"""The command line's progress bars and result lines: the library reports, the CLI shows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from tqdm.auto import tqdm

from modeling.contract import Progress, Step, TrainResult
from warehouse.progress import BYTES, PERCENT

# Byte passes and statements' estimates are preludes to the counts a command prints
# when it is done; the bar of rows generated stays as the record of what was made.
TRANSIENT_UNITS = frozenset({BYTES, PERCENT})
PERCENT_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {elapsed}"


class _Bars:
    """The bars of one command: one counting unit-less steps, one for the current phase."""

    def __init__(self, description: str, unit: str):
        self.description, self.unit = description, unit
        self.steps: tqdm | None = None
        self.phase: tqdm | None = None
        self.phase_key: tuple[str, str] | None = None

    def show(self, step: Step) -> None:
        if step.unit is None:
            if self.steps is None:
                self.steps = tqdm(desc=self.description, unit=self.unit, total=None)
            _advance(self.steps, step)
            self.steps.set_postfix_str(step.message[:60], refresh=True)
            return
        key = (step.message, step.unit)
        restarted = self.phase is not None and step.done is not None and step.done < self.phase.n
        if key != self.phase_key or restarted:
            self._close_phase()
            self.phase, self.phase_key = self._phase_bar(step), key
        _advance(self.phase, step)

    def _phase_bar(self, step: Step) -> tqdm:
        label = f"{self.description}: {step.message}" if self.description else step.message
        options: dict = {"leave": step.unit not in TRANSIENT_UNITS, "mininterval": 0.5}
        if step.unit == PERCENT:
            options["bar_format"] = PERCENT_FORMAT
        elif step.unit == BYTES:
            options.update(unit_scale=True, unit_divisor=1024)
        return tqdm(desc=label, unit=step.unit, total=step.total, **options)

    def _close_phase(self) -> None:
        if self.phase is not None:
            self.phase.close()
        self.phase, self.phase_key = None, None

    def finish(self) -> None:
        """Fill the step bar of a job that ended before its last counted step (a skipped stage)."""
        if self.steps is not None and self.steps.total is not None:
            self.steps.update(max(0, self.steps.total - self.steps.n))

    def close(self) -> None:
        self._close_phase()
        if self.steps is not None:
            self.steps.close()


def _advance(bar: tqdm, step: Step) -> None:
    if step.total is not None and step.total != bar.total:
        bar.total = step.total
    if step.done is not None and step.done != bar.n:
        bar.update(step.done - bar.n)


@contextmanager
def progress_bar(description: str, unit: str = "step") -> Iterator[Progress]:
    """tqdm bars on stderr driven by a library's progress callback (`Step`s).

    Steps without a unit move one bar counting `unit`s, with the latest message beside
    it. Steps with a unit are phases (warehouse.progress): each phase gets its own bar,
    named by its message and counting its unit (bytes scaled to KB, MB ...; percent of a
    statement); byte and percent bars are cleared when their phase ends.
    """
    bars = _Bars(description, unit)
    try:
        yield bars.show
        bars.finish()
    finally:
        bars.close()


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

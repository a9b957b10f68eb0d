"""Progress of long work, told through a callback: the library reports, the caller shows.

No library code draws a bar or prints; a command line turns `Step`s into a bar
(portrait/progress.py), a dashboard into a status line, a test into a list.

A step with a `unit` belongs to a phase: the consecutive steps with the same message and
unit (reading a file's bytes, generating rows, one SQL statement in percent). Within a
phase `done` never decreases and, when the phase finishes, its last step has
`done == total`. A step without a unit counts the steps of a job (`Steps`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One step of a long job: what it is doing, and how far it is when that is known."""

    message: str
    done: int | None = None
    total: int | None = None
    unit: str | None = None  # what done and total count (BYTES, ROWS, PERCENT ...); None: steps


BYTES = "B"
ROWS = "rows"
PERCENT = "%"  # done is 0..100 of total 100: a database statement's own estimate


Progress = Callable[[Step], None]


def silent(_step: Step) -> None:
    """The progress callback that tells nobody."""


class Steps:
    """Counts a job's steps for its progress callback: `steps("fitting")` is one more done."""

    def __init__(self, progress: Progress | None, total: int | None = None):
        self.progress = progress or silent
        self.total = total
        self.done = 0

    def __call__(self, message: str) -> None:
        self.done += 1
        if self.total is not None and self.done > self.total:
            self.total = self.done
        self.progress(Step(message, self.done, self.total))

    def note(self, message: str) -> None:
        """Tell what is happening without counting a step."""
        self.progress(Step(message, self.done, self.total))

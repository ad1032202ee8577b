"""A Dagster logger that shows a run's progress as one concise line per stage.

Dagster's console logger prints every event; for `halo demo` / `halo add --run` a user wants to
see each stage start, finish (with its wall time) or fail, and nothing else.
"""

from __future__ import annotations

import logging
import time

from dagster import DagsterEventType, InitLoggerContext, logger
from rich.console import Console

_MARKS = {
    DagsterEventType.STEP_START: ("[cyan]…[/]", "running"),
    DagsterEventType.STEP_SUCCESS: ("[green]✓[/]", "done"),
    DagsterEventType.STEP_FAILURE: ("[red]✗[/]", "failed"),
    DagsterEventType.STEP_SKIPPED: ("[yellow]-[/]", "skipped"),
}


class _StageProgressHandler(logging.Handler):
    def __init__(self, console: Console) -> None:
        super().__init__(logging.DEBUG)
        self.console = console
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None or event.event_type not in _MARKS:
            if record.levelno >= logging.WARNING:
                self.console.print(f"  [yellow]![/] {record.getMessage()}")
            return
        step = event.step_key or "?"
        mark, word = _MARKS[event.event_type]
        if event.event_type == DagsterEventType.STEP_START:
            self.started[step] = time.monotonic()
            self.console.print(f"  {mark} {step} {word}")
            return
        elapsed = time.monotonic() - self.started.get(step, time.monotonic())
        detail = ""
        if event.event_type == DagsterEventType.STEP_FAILURE and event.step_failure_data:
            detail = f": {event.step_failure_data.error.message.strip().splitlines()[-1]}"
        self.console.print(f"  {mark} {step} {word} in {elapsed:.1f} s{detail}")


@logger(description="One line per stage: started, done (wall time) or failed (why).")
def stage_progress_logger(_init_context: InitLoggerContext) -> logging.Logger:
    progress = logging.getLogger("halo.progress")
    progress.setLevel(logging.DEBUG)  # Dagster logs step events at DEBUG
    progress.propagate = False
    progress.handlers = [_StageProgressHandler(Console(stderr=True))]
    return progress

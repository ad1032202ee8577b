"""A Dagster logger that shows a run's progress as one concise line per stage.

Dagster's console logger prints every event; for `halo demo` / `halo add --run` a user wants to
see each stage start, finish (with its wall time) or fail, and nothing else.
"""

from __future__ import annotations

import logging
import time

from dagster import DagsterEventType, InitLoggerContext, logger
from rich.console import Console
from rich.markup import escape

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
        if event is not None and event.event_type == DagsterEventType.RUN_START:  # which instance settings apply
            from halo_assets.registration import instance_config

            self.console.print(f"  Dagster instance: {escape(instance_config())}", highlight=False, soft_wrap=True)
            return
        if event is None or event.event_type not in _MARKS:
            # one line each: the run's failure (with its stack) is reported by the caller
            if record.levelno >= logging.WARNING and (event is None or event.event_type != DagsterEventType.RUN_FAILURE):
                self.console.print(f"  [yellow]![/] {escape(record.getMessage().strip().splitlines()[0])}",
                                   highlight=False, soft_wrap=True)
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
            error = event.step_failure_data.error
            while error.cause is not None:  # Dagster's wrapper first, the asset's own error last
                error = error.cause
            detail = f": {escape(' '.join(error.message.split()))}"
        self.console.print(f"  {mark} {step} {word} in {elapsed:.1f} s{detail}", highlight=False, soft_wrap=True)


@logger(description="One line per stage: started, done (wall time) or failed (why).")
def stage_progress_logger(_init_context: InitLoggerContext) -> logging.Logger:
    progress = logging.getLogger("halo.progress")
    progress.setLevel(logging.DEBUG)  # Dagster logs step events at DEBUG
    progress.propagate = False
    progress.handlers = [_StageProgressHandler(Console(stderr=True))]
    return progress

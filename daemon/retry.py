"""``minutes retry``: give failed recordings another go, each where it belongs.

A recording that failed out of the inbox sits in the failed folder: it goes back into the inbox
and the daemon takes it up. A recording that failed under ``minutes process`` was never moved,
because ``process`` leaves files where they are; moving it into the inbox now would end with
the user's file in ``archive/``. So it is processed again in place, right away.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from daemon.config import Settings
from daemon.files import move_unique, sidecar_path
from daemon.ledger import Ledger, RecordingRow

log = logging.getLogger("daemon.retry")

ProcessInPlace = Callable[[Path], str]
"""Processes one file where it is and says, in one line, how that went."""


def retry_failed(
    ledger: Ledger, settings: Settings, ids: tuple[int, ...], process_in_place: ProcessInPlace
) -> list[str]:
    """Retry the failed recordings (all, or ``ids``); return one line for each."""
    lines: list[str] = []
    for row in ledger.recordings(("failed",)):
        if ids and row.id not in ids:
            continue
        if not row.path.exists():
            lines.append(f"#{row.id} {row.source_name}: the file is gone, cannot retry")
        elif _came_from_process(row, settings):
            lines.append(f"#{row.id} {row.source_name}: {process_in_place(row.path)}")
        else:
            lines.append(_requeue(ledger, settings, row))
    return lines


def _came_from_process(row: RecordingRow, settings: Settings) -> bool:
    """Inbox recordings are in the inbox or were moved to the failed folder; the rest were not."""
    return not (row.path.is_relative_to(settings.failed) or row.path.is_relative_to(settings.inbox))


def _requeue(ledger: Ledger, settings: Settings, row: RecordingRow) -> str:
    path = row.path
    if not path.is_relative_to(settings.inbox):
        error_file = sidecar_path(path, ".error.txt")
        path = move_unique(path, settings.inbox)
        error_file.unlink(missing_ok=True)
    ledger.update(row.id, path=path)
    ledger.set_state(row.id, "queued", stage="retry")
    return f"#{row.id} {row.source_name}: queued again ({path})"

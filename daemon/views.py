"""How lists look on a terminal (rich tables) and to programs (JSON).

Owners, tasks, file names and snippets come from recordings and models, so on a terminal they go
through ``terminal_safe`` and into rich as ``Text``, never as markup (issue 8). JSON needs
neither: ``json.dumps`` escapes every control character.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from daemon.actions import TrackedItem
from daemon.render import hms
from daemon.search import Hit
from daemon.terminal import terminal_safe

if TYPE_CHECKING:
    from rich.console import Console


def _console() -> Console:
    from rich.console import Console

    return Console(soft_wrap=not sys.stdout.isatty())


def print_actions(items: Sequence[TrackedItem], *, as_json: bool, today: date) -> None:
    if as_json:
        print(json.dumps([_item_dict(i, today) for i in items], indent=2))
        return
    from rich.table import Table
    from rich.text import Text

    console = _console()
    if not items:
        console.print("no action items")
        return
    table = Table()
    for column in ("id", "owner", "task", "due", "status", "meeting"):
        table.add_column(column, overflow="fold")
    for item in items:
        due = Text(item.due.isoformat() if item.due else "")
        if item.overdue(today):
            due = Text(f"{due.plain} overdue", style="red")
        meeting = f"#{item.recording_id} {item.meeting_date:%d %b}"
        if item.mentions > 1:
            meeting += f" (+{item.mentions - 1} more)"
        table.add_row(
            str(item.id), Text(terminal_safe(item.owner or "-")), Text(terminal_safe(item.task)),
            due, item.status, meeting,
        )  # fmt: skip
    console.print(table)


def _item_dict(item: TrackedItem, today: date) -> dict[str, object]:
    return {
        "id": item.id,
        "owner": item.owner,
        "task": item.task,
        "due": item.due.isoformat() if item.due else None,
        "due_phrase": item.due_phrase,
        "status": item.status,
        "overdue": item.overdue(today),
        "meeting": item.recording_id,
        "meeting_date": item.meeting_date.isoformat(),
        "mentions": item.mentions,
        "evidence": item.evidence,
        "evidence_start": item.evidence_start,
        "verified": item.verified,
        "status_note": item.status_note,
        "report": str(item.report) if item.report else None,
    }


def print_hits(hits: Sequence[Hit], *, as_json: bool) -> None:
    if as_json:
        rows = [
            {
                "recording_id": h.recording_id, "kind": h.kind, "at": h.at, "text": h.text,
                "report": str(h.report) if h.report else None,
            }
            for h in hits
        ]  # fmt: skip
        print(json.dumps(rows, indent=2))
        return
    if not hits:
        print("no matches")
        return
    for hit in hits:
        where = terminal_safe(hit.report) if hit.report else f"recording #{hit.recording_id}"
        at = f" at {hms(hit.at)}" if hit.at is not None else ""
        print(f"{where}{at} ({hit.kind})\n    {terminal_safe(hit.snippet)}")

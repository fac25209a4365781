"""What ``minutes status`` shows and what ``minutes retry`` does, on top of the ledger."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

from daemon.ledger import ApiPauseRow, Ledger, RecordingRow
from daemon.terminal import terminal_safe


def print_status(ledger: Ledger, *, limit: int, as_json: bool) -> None:
    counts = ledger.counts()
    rows = ledger.recordings(limit=limit)
    pause = ledger.pause()
    if as_json:
        document: dict[str, object] = {
            "counts": counts,
            "api_pause": _pause_dict(pause) if pause else None,
            "recordings": [_as_dict(r) for r in rows],
        }
        print(json.dumps(document, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(soft_wrap=not sys.stdout.isatty())
    console.print(
        "  ".join(f"{state}: {count}" for state, count in counts.items()), highlight=False
    )
    if pause is not None:
        console.print(
            f"API work paused: {terminal_safe(_pause_text(pause))}", highlight=False, markup=False
        )
    if not rows:
        console.print("no recordings yet")
        return
    table = Table(show_lines=False)
    for column in ("id", "state", "recording", "duration", "detail"):
        table.add_column(column, overflow="fold")
    for row in rows:
        # Text, not str: a file name or an error is shown as it is, never read as rich markup.
        table.add_row(
            str(row.id), row.state, Text(terminal_safe(row.source_name)),
            f"{row.duration / 60:.1f} min" if row.duration else "",
            Text(terminal_safe(_detail(row))),
        )  # fmt: skip
    console.print(table)


def _pause_text(pause: ApiPauseRow) -> str:
    when = (
        "on the next start"
        if pause.until is None
        else f"after {datetime.fromtimestamp(pause.until).astimezone():%Y-%m-%d %H:%M %Z}"
    )
    since = f"{pause.since.astimezone():%Y-%m-%d %H:%M}"
    return f"{pause.reason} (since {since}; tried again {when}, or on restart)"


def _pause_dict(pause: ApiPauseRow) -> dict[str, object]:
    return {
        "kind": pause.kind,
        "reason": pause.reason,
        "since": pause.since.isoformat(),
        "until": datetime.fromtimestamp(pause.until, timezone.utc).isoformat()
        if pause.until is not None
        else None,
    }


def _detail(row: RecordingRow) -> str:
    if row.state == "failed" or (row.state == "queued" and row.error):
        return f"{row.stage}: {row.error}"
    if row.state == "done" and row.report is not None:
        return str(row.report)
    return row.stage or ""


def _as_dict(row: RecordingRow) -> dict[str, object]:
    return {
        "id": row.id,
        "state": row.state,
        "stage": row.stage,
        "source_name": row.source_name,
        "path": str(row.path),
        "sha256": row.sha256,
        "duration": row.duration,
        "error": row.error,
        "attempts": row.attempts,
        "report": str(row.report) if row.report else None,
        "updated_at": row.updated_at.isoformat(),
    }

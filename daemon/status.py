"""What ``minutes status`` shows and what ``minutes retry`` does, on top of the ledger."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from daemon.executor import snapshot as executor_snapshot
from daemon.ledger import ApiPauseRow, Ledger, RecordingRow
from daemon.terminal import terminal_safe

Verdict = Literal["ok", "degraded", "down"]
VERDICTS: tuple[Verdict, ...] = ("ok", "degraded", "down")

# A recording queued (and not set aside to wait for the API) this long is stuck: the daemon is
# not running, or its worker is. Failures count for the same window.
STUCK_AFTER = timedelta(hours=1)


_PAUSE_REASONS = {
    "auth": "API work stopped: the API key was refused",
    "quota": "API work stopped: the account has no quota left",
    "budget": "API work paused: a budget cap was reached",
}


@dataclass(frozen=True)
class Health:
    """The verdict for a supervisor, with the reasons a person reads."""

    verdict: Verdict
    reasons: tuple[str, ...] = ()


def health(ledger: Ledger, now: datetime | None = None) -> Health:
    """``down``: API work stopped until a person acts (a refused key, no quota).

    ``degraded``: a budget cap pauses API work until the period ends; recordings failed in the
    last hour; recordings queued for over an hour, or marked processing with no live owner.
    ``ok`` otherwise.
    """
    now = now or datetime.now(timezone.utc)
    down: list[str] = []
    degraded: list[str] = []
    pause = ledger.pause()
    if pause is not None:
        # Short: the pause's own reason is beside it (``api_pause``) with its times.
        (down if pause.kind in ("auth", "quota") else degraded).append(
            _PAUSE_REASONS.get(pause.kind, f"API work paused ({pause.kind})")
        )
    failed = ledger.metrics.failures_since(now - STUCK_AFTER)
    if failed:
        degraded.append(f"{failed} recording(s) failed in the last hour")
    stuck = _stuck(ledger, now)
    if stuck:
        ids = ", ".join(f"#{row.id}" for row in stuck[:5])
        degraded.append(f"{len(stuck)} recording(s) not moving for over an hour ({ids})")
    verdict: Verdict = "down" if down else "degraded" if degraded else "ok"
    return Health(verdict, (*down, *degraded))


def _stuck(ledger: Ledger, now: datetime) -> list[RecordingRow]:
    """Processing with no live owner; or queued while nothing is processed (a long queue
    behind a live worker moves, however old it is). Set-aside recordings wait on purpose."""
    processing = ledger.recordings(("processing",))
    live = [row for row in processing if _owned(ledger, row)]
    stuck = [row for row in processing if row not in live and now - row.updated_at > STUCK_AFTER]
    if not live:
        stuck += [
            row
            for row in ledger.recordings(("queued",))
            if now - row.updated_at > STUCK_AFTER and not (row.error or "").startswith("waiting:")
        ]
    return stuck


def _owned(ledger: Ledger, row: RecordingRow) -> bool:
    lease = ledger.holder(row.id)
    return lease is not None and lease.expires_at > time.time()


def print_status(ledger: Ledger, *, limit: int, as_json: bool) -> None:
    counts = ledger.counts()
    rows = ledger.recordings(limit=limit)
    pause = ledger.pause()
    verdict = health(ledger)
    if as_json:
        document: dict[str, object] = {
            "health": {"verdict": verdict.verdict, "reasons": list(verdict.reasons)},
            "counts": counts,
            "api_pause": _pause_dict(pause) if pause else None,
            "recordings": [_as_dict(r) for r in rows],
            "executor": executor_snapshot.read(ledger.path.parent),
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
    reasons = f" ({'; '.join(verdict.reasons)})" if verdict.reasons else ""
    console.print(
        f"health: {verdict.verdict}{terminal_safe(reasons)}", highlight=False, markup=False
    )
    if pause is not None:
        console.print(
            f"API work paused: {terminal_safe(_pause_text(pause))}", highlight=False, markup=False
        )
    for line in executor_snapshot.lines(ledger.path.parent):  # celery: workers, chunks in flight
        console.print(terminal_safe(line), highlight=False, markup=False)
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

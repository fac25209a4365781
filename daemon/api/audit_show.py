"""What ``minutes audit show`` prints: the audit trail's records, filtered, as a table or JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from daemon.api.audit import read_records

_COLUMNS = ("seq", "at (UTC)", "rec", "endpoint", "model", "status", "tokens", "cost (USD)")


def select(
    records: Iterable[dict[str, Any]], recording_id: int | None, since: date | None
) -> list[dict[str, Any]]:
    """The records of ``recording_id`` (all when None) made on ``since`` (UTC) or later."""
    first_day = since.isoformat() if since else ""
    return [
        r
        for r in records
        if (recording_id is None or r.get("recording_id") == recording_id)
        and str(r.get("at", ""))[:10] >= first_day
    ]


def print_records(
    folder: Path, recording_id: int | None, since: date | None, as_json: bool
) -> None:
    chosen = select(read_records(folder), recording_id, since)
    if as_json:
        print(json.dumps(chosen, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from daemon.terminal import terminal_safe

    console = Console(soft_wrap=not sys.stdout.isatty())
    table = Table(title_justify="left")
    for column in _COLUMNS:
        table.add_column(
            column, justify="right" if column.startswith(("tokens", "cost")) else "left"
        )
    for r in chosen:
        tokens = f"{r.get('tokens_in') or 0}/{r.get('tokens_out') or 0}"
        cells = (
            r.get("seq"), str(r.get("at", ""))[:19].replace("T", " "), r.get("recording_id"),
            r.get("endpoint"), r.get("model"), r.get("status"), tokens,
            f"{float(r.get('cost_usd') or 0.0):.4f}",
        )  # fmt: skip
        table.add_row(*(Text(terminal_safe("" if c is None else str(c))) for c in cells))
    console.print(table)
    total = sum(float(r.get("cost_usd") or 0.0) for r in chosen)
    console.print(f"{len(chosen)} records, ${total:.4f}", highlight=False)


def ledger_note(folder: Path, ledger_calls: int) -> str | None:
    """A line when the ledger knows more calls than the trail holds, or fewer; else None.

    Each attempt and each Batch usage is written to both, the ledger first, so a crash between
    the two leaves at most one record per process missing. A larger gap means records were cut
    from the trail's end (which its chain alone cannot show) or that the ledger is older than
    the trail, from before the trail existed.
    """
    recorded = sum(1 for r in read_records(folder) if r.get("kind") in ("attempt", "usage"))
    if recorded == ledger_calls:
        return None
    return (
        f"note: the ledger records {ledger_calls} calls, the audit trail {recorded} "
        "(a crash between the two writes loses at most one record per process)"
    )

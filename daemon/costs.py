"""What ``minutes costs`` shows: API spend from the ledger, by day, model and recording."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

from daemon.ledger import Ledger

GROUPS = ("day", "model", "recording")


def cost_report(ledger: Ledger, groups: tuple[str, ...], since: datetime | None) -> dict[str, Any]:
    report: dict[str, Any] = {group: ledger.cost_totals(group, since) for group in groups}
    report["total_usd"] = sum(row["cost"] or 0.0 for row in ledger.cost_totals("model", since))
    return report


def print_costs(
    ledger: Ledger, groups: tuple[str, ...], since: datetime | None, as_json: bool
) -> None:
    report = cost_report(ledger, groups, since)
    if as_json:
        print(json.dumps(report, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from daemon.terminal import terminal_safe

    console = Console(soft_wrap=not sys.stdout.isatty())
    for group in groups:
        table = Table(title=f"by {group}", title_justify="left")
        for column in (group, "calls", "cost (USD)", "tokens in", "tokens out", "audio min"):
            table.add_column(column, justify="left" if column == group else "right")
        for row in report[group]:
            table.add_row(
                Text(terminal_safe(str(row["key"]))), str(row["calls"]),
                f"{row['cost'] or 0.0:.4f}",
                str(row["tokens_in"] or 0), str(row["tokens_out"] or 0),
                f"{(row['audio_seconds'] or 0.0) / 60:.1f}",
            )  # fmt: skip
        console.print(table)
    console.print(f"total: ${report['total_usd']:.4f}", highlight=False)

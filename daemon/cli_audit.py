"""``minutes audit``: check the hash chain of the remote-call audit trail, and list its calls.

Each subcommand parses its options and calls into ``daemon.api.audit``; a broken chain is an
``AuditError``, which the CLI prints as one line naming the file and line, with exit code 9.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from daemon.cli_options import settings_from, settings_options, setup_logging


@click.group(name="audit")
def audit_group() -> None:
    """The tamper-evident trail of every remote call (audit.jsonl in the state dir)."""


@audit_group.command(name="verify")
@settings_options
def verify_command(**params: Any) -> None:
    """Check the whole hash chain; exit non-zero naming the first bad line."""
    settings = settings_from(params)
    setup_logging(settings, params["verbose"], quiet_default=True)
    from daemon.api.audit import verify

    result = verify(settings.state_dir)
    if not result.files:
        click.echo(f"no audit records yet in {settings.state_dir}")
    else:
        click.echo(
            f"audit trail intact: {result.records} records in {len(result.files)} file(s); "
            f"head {result.head}"
        )
    if settings.database.exists():
        from daemon.api.audit_show import ledger_note
        from daemon.ledger import Ledger

        with Ledger(settings.database) as ledger:
            note = ledger_note(settings.state_dir, len(ledger.api_calls()))
        if note:
            click.echo(note, err=True)


@audit_group.command(name="show")
@settings_options
@click.option("--recording", "recording_id", type=int, help="Only calls for this recording.")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="Only calls from this day on (UTC)."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def show_command(
    recording_id: int | None, since: datetime | None, as_json: bool, **params: Any
) -> None:
    """List the remote calls in the audit trail."""
    settings = settings_from(params)
    setup_logging(settings, params["verbose"], quiet_default=True)
    from daemon.api.audit_show import print_records

    print_records(settings.state_dir, recording_id, since.date() if since else None, as_json)


COMMANDS = (audit_group,)

"""The ``minutes`` commands that read and change what the ledger holds: status, costs, action
items, digests and search. Each parses its options and calls into the package."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import click

from daemon.cli_options import settings_from, settings_options, setup_logging
from daemon.ledger import Ledger
from daemon.terminal import terminal_safe


@click.command()
@settings_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--limit", default=20, show_default=True, help="How many recent recordings to list.")
def status(as_json: bool, limit: int, **params: Any) -> None:
    """Show queued, processing, done and failed recordings."""
    settings = settings_from(params)
    setup_logging(settings, params["verbose"], quiet_default=True)
    from daemon.status import print_status

    with Ledger(settings.database) as ledger:
        print_status(ledger, limit=limit, as_json=as_json)


@click.command()
@settings_options
@click.option(
    "--by",
    "groups",
    multiple=True,
    type=click.Choice(["day", "model", "recording"]),
    help="Group totals by day, model or recording (repeatable; default all three).",
)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only calls from this day on.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def costs(groups: tuple[str, ...], since: datetime | None, as_json: bool, **params: Any) -> None:
    """Show what remote API calls cost, by day, model and recording."""
    settings = settings_from(params)
    setup_logging(settings, params["verbose"], quiet_default=True)
    from daemon.costs import GROUPS, print_costs

    with Ledger(settings.database) as ledger:
        print_costs(ledger, groups or GROUPS, since, as_json)


@click.group(name="actions", invoke_without_command=True)
@settings_options
@click.option(
    "--status", "status_filter", default="open", show_default=True,
    type=click.Choice(["open", "done", "dropped", "all"]),
)  # fmt: skip
@click.option("--owner", help="Only this person's items.")
@click.option("--overdue", is_flag=True, help="Only open items past their due date.")
@click.option("--due-before", type=click.DateTime(["%Y-%m-%d"]), help="Only items due before.")
@click.option("--meeting", "meeting_id", type=int, help="Only items from this recording.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def actions_command(
    ctx: click.Context,
    /,
    status_filter: str,
    owner: str | None,
    overdue: bool,
    due_before: datetime | None,
    meeting_id: int | None,
    as_json: bool,
    **params: Any,
) -> None:
    """List action items across meetings; subcommands change their status."""
    ctx.obj = params
    if ctx.invoked_subcommand is not None:
        return
    from daemon import actions
    from daemon.views import print_actions

    settings = settings_from(params)
    setup_logging(settings, params["verbose"], quiet_default=True)
    statuses = actions.STATUSES if status_filter == "all" else (status_filter,)
    with Ledger(settings.database) as ledger:
        items = actions.list_items(
            ledger,
            statuses=statuses,  # type: ignore[arg-type]
            owner=owner,
            overdue_on=date.today() if overdue else None,
            due_before=due_before.date() if due_before else None,
            recording_id=meeting_id,
        )
    print_actions(items, as_json=as_json, today=date.today())


def _status_command(name: str, status: str, help_text: str) -> None:
    @actions_command.command(name=name, help=help_text)
    @click.argument("item_id", type=int)
    @click.option("--note", help="Why, for the record.")
    @click.pass_context
    def change(ctx: click.Context, /, item_id: int, note: str | None) -> None:
        from daemon import actions

        settings = settings_from(ctx.obj or {})
        with Ledger(settings.database) as ledger:
            item = actions.set_status(ledger, item_id, status, note)  # type: ignore[arg-type]
        click.echo(f"#{item.id} {terminal_safe(item.task)}: {item.status}")


_status_command("done", "done", "Mark action item ID as done.")
_status_command("reopen", "open", "Reopen action item ID.")
_status_command("drop", "dropped", "Drop action item ID (no longer needed).")


@click.command(name="digest")
@settings_options
@click.option(
    "--period", type=click.Choice(["daily", "weekly"]), default="daily", show_default=True
)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Start date (with --until).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="End date, inclusive.")
def digest_command(
    period: str, since: datetime | None, until: datetime | None, **params: Any
) -> None:
    """Write a digest now and print its path (default: the last day or week up to now)."""
    from daemon.digest import Digests

    settings = settings_from(params)
    setup_logging(settings, params["verbose"], quiet_default=True)
    with Ledger(settings.database) as ledger:
        digests = Digests(settings, ledger)
        end = digests.clock()
        if until is not None:
            end = until.replace(tzinfo=digests.zone) + timedelta(days=1)
        start = end - timedelta(days=7 if period == "weekly" else 1)
        if since is not None:
            start = since.replace(tzinfo=digests.zone)
        if start >= end:
            raise click.UsageError("--since must be before --until")
        click.echo(str(digests.custom(start, end)))


@click.command(name="search")
@settings_options
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True)
@click.option(
    "--semantic", "mode", flag_value="semantic", help="Rank by embedding similarity only."
)
@click.option(
    "--keyword", "mode", flag_value="keyword", help="Rank by words only (BM25, all of them)."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def search_command(
    query: tuple[str, ...], limit: int, mode: str | None, as_json: bool, **params: Any
) -> None:
    """Find meetings by words and meaning in transcripts, summaries and action items.

    With embeddings (search.embedder), passages are ranked by a fusion of BM25 and embedding
    similarity; --semantic or --keyword forces one."""
    from daemon.embed import embedder_for
    from daemon.search import search
    from daemon.search.rank import as_hits, find, resolve_mode
    from daemon.views import print_hits

    settings = settings_from(params)
    setup_logging(settings, params["verbose"], quiet_default=True)
    text = " ".join(query)
    with Ledger(settings.database) as ledger:
        embedder = None if mode == "keyword" else embedder_for(settings, ledger)
        chosen = resolve_mode(ledger, embedder, mode or "auto")  # type: ignore[arg-type]
        if chosen == "keyword":
            hits = search(ledger, text, limit)
        else:
            hits = as_hits(find(ledger, text, embedder, mode=chosen, limit=limit * 3), limit)
    print_hits(hits, as_json=as_json)


COMMANDS = (status, costs, actions_command, digest_command, search_command)

"""``minutes ask`` (answers from the meetings, with citations) and ``minutes reindex``
(embed passages again after a model change). Each parses its options and calls the package."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import click

from daemon.cli_options import settings_from, settings_options, setup_logging
from daemon.ledger import Ledger
from daemon.search.index import Progress


@click.command(name="ask")
@settings_options
@click.argument("question", nargs=-1, required=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only meetings from this day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Only meetings up to this day.")
@click.option("--meeting", "meeting_id", type=int, help="Only this recording.")
@click.option("--owner", help="Only what this person said or owns.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def ask_command(
    question: tuple[str, ...], since: datetime | None, until: datetime | None,
    meeting_id: int | None, owner: str | None, as_json: bool, **params: Any,
) -> None:  # fmt: skip
    """Answer QUESTION from the meetings, citing passages (with an LLM summarizer); without
    one, show the best passages and matching open action items."""
    from daemon.ask import ask
    from daemon.ask.output import as_json as to_json
    from daemon.ask.output import as_text
    from daemon.search.rank import Filters

    settings = settings_from(params)
    setup_logging(settings, params["verbose"], quiet_default=True)
    filters = Filters(
        since=since.date() if since else None, until=until.date() if until else None,
        meeting=meeting_id, owner=owner,
    )  # fmt: skip
    with Ledger(settings.database) as ledger:
        result = ask(settings, ledger, " ".join(question), filters, date.today())
    click.echo(to_json(result) if as_json else as_text(result))


@click.command(name="reindex")
@settings_options
@click.option("--rebuild", is_flag=True, help="Make every meeting's passages again first.")
@click.option("--prune", is_flag=True, help="Delete the vectors of other embedding models.")
def reindex_command(rebuild: bool, prune: bool, **params: Any) -> None:
    """Embed the passages that have no vector of the configured model (resumable)."""
    from daemon.embed import embedder_for
    from daemon.errors import ConfigError
    from daemon.search.index import reindex

    settings = settings_from(params)
    setup_logging(settings, params["verbose"], quiet_default=True)
    with Ledger(settings.database) as ledger:
        embedder = embedder_for(settings, ledger)
        if embedder is None:
            raise ConfigError(
                "search.embedder is none: there is nothing to embed with", key="search.embedder"
            )
        with _bar(embedder.identity) as update:
            done = reindex(
                ledger, embedder, batch=settings.search.batch_size, rebuild=rebuild,
                progress=update,
            )  # fmt: skip
        pruned = ledger.passages.drop_other_models(embedder.identity) if prune else 0
    click.echo(
        f"{done.model}: {done.embedded} passages embedded, {done.total} in all"
        + (f"; passages remade for {done.rebuilt} recordings" if done.rebuilt else "")
        + (f"; {pruned} vectors of other models deleted" if pruned else "")
    )


@contextmanager
def _bar(label: str) -> Iterator[Progress]:
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        label, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=Console(stderr=True), transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task(label, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


COMMANDS = (ask_command, reindex_command)

"""The ``minutes`` command. It parses options and calls into the package; nothing else lives here.

Every MinutesError becomes one line on stderr and the error's exit code.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from daemon import __version__
from daemon.config import Settings, find_config_file, load_settings, masked
from daemon.errors import ConfigError, InputError, MinutesError
from daemon.ledger import Ledger
from daemon.terminal import TerminalSafeFormatter, terminal_safe

log = logging.getLogger("daemon.cli")

# `minutes process` on a recording another Minutes process holds the lease of.
BUSY_EXIT = 8

F = TypeVar("F", bound=Callable[..., Any])


def settings_options(func: F) -> F:
    """The options every command takes to choose and override settings."""
    options = [
        click.option(
            "--config", "config_file", type=click.Path(path_type=Path), help="Config file (TOML)."
        ),
        click.option("--inbox", type=click.Path(path_type=Path), help="Folder to watch."),
        click.option("--outbox", type=click.Path(path_type=Path), help="Folder for reports."),
        click.option("--state-dir", type=click.Path(path_type=Path), help="Folder for the ledger."),
        click.option("--model", help="Transcription model name or folder."),
        click.option("--language", help="Spoken language code, or 'auto'."),
        click.option(
            "--set", "assignments", multiple=True, metavar="KEY=VALUE",
            help="Override any setting, e.g. --set chunking.max_seconds=120 (repeatable).",
        ),
        click.option("-v", "--verbose", count=True, help="More log output (-vv for debug)."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def _settings(params: dict[str, Any]) -> Settings:
    overrides: dict[str, Any] = {}
    for key, name in (
        ("inbox", "inbox"), ("outbox", "outbox"), ("state_dir", "state_dir"),
        ("model", "transcriber.model"), ("language", "transcriber.language"),
    ):  # fmt: skip
        if params.get(key) is not None:
            overrides[name] = params[key]
    for assignment in params.get("assignments", ()):
        key, sep, value = assignment.partition("=")
        if not sep:
            raise ConfigError(f"--set takes KEY=VALUE, got {assignment!r}")
        overrides[key.strip()] = _parse_value(value.strip())
    return load_settings(params.get("config_file"), overrides)


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _setup_logging(settings: Settings, verbose: int, quiet_default: bool = False) -> None:
    level = settings.log_level
    if quiet_default and verbose == 0:
        level = "WARNING"
    if verbose:
        level = "DEBUG" if verbose > 1 else "INFO"
    handler = logging.StreamHandler(sys.stderr)
    # Log lines quote file names and reasons from outside: shown inert (issue 8).
    handler.setFormatter(TerminalSafeFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # Third-party chatter stays at WARNING unless debugging.
    for noisy in ("faster_whisper", "watchdog", "httpx", "httpx2", "openai", "apscheduler"):
        logging.getLogger(noisy).setLevel("DEBUG" if verbose > 1 else "WARNING")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="minutes")
def cli() -> None:
    """Minutes turns meeting recordings into Markdown minutes, locally."""


@cli.command()
@settings_options
@click.option(
    "--polling", is_flag=True, default=None, help="Poll the inbox instead of native events."
)
def run(polling: bool | None, **params: Any) -> None:
    """Watch the inbox and process every recording that lands there."""
    if polling:
        params["assignments"] = (*params["assignments"], "polling=true")
    settings = _settings(params)
    _setup_logging(settings, params["verbose"])
    from daemon.assembly import assemble
    from daemon.service import Service

    stop = threading.Event()
    with _stop_on_signals(stop), Ledger(settings.database) as ledger:
        app = assemble(settings, ledger, stop)
        app.transcriber.load()  # fail now, not at the first recording, if the model is unusable
        log.info("minutes %s: inbox %s, outbox %s", __version__, settings.inbox, settings.outbox)
        Service(settings, ledger, app.transcriber, stop, api=app.api).run()


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    def request_stop(signum: int, _frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt  # a second Ctrl-C means now
        log.info(
            "%s received: finishing the current chunk, then stopping", signal.Signals(signum).name
        )
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@cli.command()
@settings_options
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def process(files: tuple[Path, ...], **params: Any) -> None:
    """Process FILES now and print the path of each report."""
    settings = _settings(params)
    _setup_logging(settings, params["verbose"], quiet_default=True)
    from daemon.assembly import assemble
    from daemon.progress import progress_bar

    failures: list[int] = []  # exit codes, first one wins
    busy = 0
    stop = threading.Event()
    with _stop_on_signals(stop), Ledger(settings.database) as ledger:
        pipeline = assemble(settings, ledger, stop).pipeline
        for path in files:
            if not path.exists():
                click.echo(f"minutes: error: {terminal_safe(path)}: no such file", err=True)
                failures.append(InputError.exit_code)
                continue
            name = terminal_safe(path.name)
            with progress_bar(name) as update:
                outcome = pipeline.submit(path, from_inbox=False, progress=update)
            reason = terminal_safe(outcome.reason or "")
            if outcome.state == "failed":
                click.echo(f"minutes: error: {name}: {reason}", err=True)
                failures.append(outcome.exit_code)
            elif outcome.state == "busy":
                click.echo(
                    f"minutes: error: {name}: {reason}; "
                    "its report appears when that process is done",
                    err=True,
                )
                busy += 1
            elif outcome.report is not None:
                if outcome.state == "duplicate":
                    click.echo(f"{name}: {reason}; its report:", err=True)
                click.echo(terminal_safe(outcome.report))
    if failures:
        sys.exit(failures[0])
    if busy:
        sys.exit(BUSY_EXIT)


@cli.command(name="summarize")
@settings_options
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--recording", "recording_id", type=int, help="Re-summarize a processed recording.")
@click.option("--summarizer", "summarizer_name", help="Summarizer to use (default: configured).")
@click.option(
    "--date", "meeting_date", type=click.DateTime(["%Y-%m-%d"]),
    help="Meeting date for 'tomorrow' and 'by Friday' (default: the file's date).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def summarize_command(
    file: Path | None,
    recording_id: int | None,
    summarizer_name: str | None,
    meeting_date: datetime | None,
    as_json: bool,
    **params: Any,
) -> None:
    """Summarize a transcript text file (lines 'Name: text'), or a processed recording again."""
    if summarizer_name:
        params["assignments"] = (*params["assignments"], f"summarizer.name={summarizer_name}")
    settings = _settings(params)
    _setup_logging(settings, params["verbose"], quiet_default=True)
    day = meeting_date.date() if meeting_date else None
    if (file is None) == (recording_id is None):
        raise click.UsageError("give either FILE or --recording ID")
    from daemon.api.client import api_client_for

    if file is not None:
        from daemon.summarize.files import summarize_text_file

        with Ledger(settings.database) as ledger:
            api = api_client_for(settings, ledger)
            summary = summarize_text_file(file, settings.summarizer, day, api)
        click.echo(summary.model_dump_json(indent=2) if as_json else _summary_text(summary))
        return
    from daemon.assembly import assemble

    with Ledger(settings.database) as ledger:
        report = assemble(settings, ledger).pipeline.resummarize(recording_id or 0, day)
        if as_json:
            stored = ledger.summary(recording_id or 0)
            click.echo(stored[1].model_dump_json(indent=2) if stored else "null")
        else:
            click.echo(str(report.markdown))


def _summary_text(summary: Any) -> str:
    lines = [summary.title, "", summary.overview, ""]
    for item in summary.action_items:
        due = f" (due {item.due})" if item.due else ""
        lines.append(f"- [ ] {item.owner or 'unassigned'}: {item.task}{due}")
    lines.extend(f"- decided: {d.text}" for d in summary.decisions)
    lines.extend(f"- open: {q}" for q in summary.open_questions)
    # Model output: each line is made inert; only the newlines between them are layout.
    return "\n".join(terminal_safe(line) for line in lines)


@cli.command()
@settings_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--limit", default=20, show_default=True, help="How many recent recordings to list.")
def status(as_json: bool, limit: int, **params: Any) -> None:
    """Show queued, processing, done and failed recordings."""
    settings = _settings(params)
    _setup_logging(settings, params["verbose"], quiet_default=True)
    from daemon.status import print_status

    with Ledger(settings.database) as ledger:
        print_status(ledger, limit=limit, as_json=as_json)


@cli.command()
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
    settings = _settings(params)
    _setup_logging(settings, params["verbose"], quiet_default=True)
    from daemon.costs import GROUPS, print_costs

    with Ledger(settings.database) as ledger:
        print_costs(ledger, groups or GROUPS, since, as_json)


@cli.command()
@settings_options
@click.argument("ids", nargs=-1, type=int)
def retry(ids: tuple[int, ...], **params: Any) -> None:
    """Re-queue failed recordings (all, or the given IDs)."""
    settings = _settings(params)
    _setup_logging(settings, params["verbose"], quiet_default=True)
    from daemon.assembly import Assembly, assemble
    from daemon.progress import progress_bar
    from daemon.retry import retry_failed

    stop = threading.Event()
    with _stop_on_signals(stop), Ledger(settings.database) as ledger:
        app: Assembly | None = None

        def process_in_place(path: Path) -> str:
            nonlocal app
            app = app or assemble(settings, ledger, stop)
            with progress_bar(path.name) as update:
                outcome = app.pipeline.submit(path, from_inbox=False, progress=update)
            if outcome.state == "failed":
                return f"failed again: {outcome.reason}"
            if outcome.report is None:
                return outcome.reason or outcome.state
            return f"processed in place: {outcome.report}"

        moved = retry_failed(ledger, settings, ids, process_in_place)
    for line in moved:
        click.echo(terminal_safe(line))
    if not moved:
        click.echo("nothing to retry")


@cli.group(name="actions", invoke_without_command=True)
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

    settings = _settings(params)
    _setup_logging(settings, params["verbose"], quiet_default=True)
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

        settings = _settings(ctx.obj or {})
        with Ledger(settings.database) as ledger:
            item = actions.set_status(ledger, item_id, status, note)  # type: ignore[arg-type]
        click.echo(f"#{item.id} {terminal_safe(item.task)}: {item.status}")


_status_command("done", "done", "Mark action item ID as done.")
_status_command("reopen", "open", "Reopen action item ID.")
_status_command("drop", "dropped", "Drop action item ID (no longer needed).")


@cli.command(name="digest")
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

    settings = _settings(params)
    _setup_logging(settings, params["verbose"], quiet_default=True)
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


@cli.command(name="search")
@settings_options
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def search_command(query: tuple[str, ...], limit: int, as_json: bool, **params: Any) -> None:
    """Find meetings by words in transcripts, summaries and action items."""
    from daemon.search import search
    from daemon.views import print_hits

    settings = _settings(params)
    _setup_logging(settings, params["verbose"], quiet_default=True)
    with Ledger(settings.database) as ledger:
        hits = search(ledger, " ".join(query), limit)
    print_hits(hits, as_json=as_json)


@cli.command(name="config")
@settings_options
def config_command(**params: Any) -> None:
    """Print the effective settings (secrets masked) as TOML."""
    settings = _settings(params)
    source = find_config_file(params.get("config_file"))
    click.echo(f"# config file: {source or 'none (defaults and MINUTES_* environment)'}")
    click.echo(to_toml(masked(settings)))


def to_toml(data: dict[str, Any]) -> str:
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif value is None:
            lines.append(f"# {key} = (not set)")
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    for name, table in tables:
        lines.append(f"\n[{name}]")
        lines.extend(to_toml(table).splitlines())
    return "\n".join(lines)


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("minutes: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except MinutesError as exc:
        click.echo(f"minutes: error: {terminal_safe(exc.message)}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("minutes: interrupted", err=True)
        sys.exit(130)

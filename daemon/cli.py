"""The ``minutes`` command. It parses options and calls into the package; nothing else lives here.

Every MinutesError becomes one line on stderr and the error's exit code.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from daemon import __version__
from daemon import cli_ask as ask_commands
from daemon import cli_audit as audit_commands
from daemon import cli_eval as eval_commands
from daemon import cli_ledger as ledger_commands
from daemon import cli_speakers as speaker_commands
from daemon import cli_worker as worker_commands
from daemon.cli_options import settings_from, settings_options, setup_logging
from daemon.config import find_config_file, masked
from daemon.errors import InputError, MinutesError
from daemon.ledger import Ledger
from daemon.terminal import terminal_safe

log = logging.getLogger("daemon.cli")

# `minutes process` on a recording another Minutes process holds the lease of.
BUSY_EXIT = 8


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="minutes")
def cli() -> None:
    """Minutes turns meeting recordings into Markdown minutes, locally."""


for _command in (
    *ledger_commands.COMMANDS,
    *speaker_commands.COMMANDS,
    *eval_commands.COMMANDS,
    *worker_commands.COMMANDS,
    *audit_commands.COMMANDS,
    *ask_commands.COMMANDS,
):
    cli.add_command(_command)


@cli.command()
@settings_options
@click.option(
    "--polling", is_flag=True, default=None, help="Poll the inbox instead of native events."
)
def run(polling: bool | None, **params: Any) -> None:
    """Watch the inbox and process every recording that lands there."""
    if polling:
        params["assignments"] = (*params["assignments"], "polling=true")
    settings = settings_from(params)
    setup_logging(settings, params["verbose"])
    from daemon.assembly import assemble
    from daemon.service import Service

    stop = threading.Event()
    with _stop_on_signals(stop), Ledger(settings.database) as ledger:
        app = assemble(settings, ledger, stop)
        # Fail now, not at the first recording, if a model is unusable.
        app.pipeline.transcriber.load()
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
    settings = settings_from(params)
    setup_logging(settings, params["verbose"], quiet_default=True)
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
    settings = settings_from(params, summarizer_name)
    setup_logging(settings, params["verbose"], quiet_default=True)
    day = meeting_date.date() if meeting_date else None
    if (file is None) == (recording_id is None):
        raise click.UsageError("give either FILE or --recording ID")
    from daemon.api.client import api_client_for

    if file is not None:
        from daemon.summarize.files import summarize_text_file

        with Ledger(settings.database) as ledger:
            api = api_client_for(settings, ledger)
            summary = summarize_text_file(file, settings.summarizer, day, api, settings.privacy)
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
@click.argument("ids", nargs=-1, type=int)
def retry(ids: tuple[int, ...], **params: Any) -> None:
    """Re-queue failed recordings (all, or the given IDs)."""
    settings = settings_from(params)
    setup_logging(settings, params["verbose"], quiet_default=True)
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


@cli.command(name="config")
@settings_options
def config_command(**params: Any) -> None:
    """Print the effective settings (secrets masked) as TOML."""
    settings = settings_from(params)
    source = find_config_file(params.get("config_file"))
    click.echo(f"# config file: {source or 'none (defaults and MINUTES_* environment)'}")
    if settings.privacy.redact and settings.transcriber.name == "openai":
        from daemon.privacy import remote_audio_notice

        notice = remote_audio_notice(settings.transcriber.name, settings.openai.base_url)
        click.echo(f"# note: {notice}")
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

"""``minutes speakers``: the people Minutes knows by voice, and corrections of who spoke."""

from __future__ import annotations

import json
from typing import Any

import click

from daemon.cli_options import settings_from, settings_options, setup_logging
from daemon.ledger import Ledger
from daemon.terminal import terminal_safe


@click.group(name="speakers", invoke_without_command=True)
@settings_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def speakers_command(ctx: click.Context, /, as_json: bool, **params: Any) -> None:
    """List the people known by voice (voice profiles); subcommands correct and forget."""
    ctx.obj = params
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_from(params)
    setup_logging(settings, params["verbose"], quiet_default=True)
    with Ledger(settings.database) as ledger:
        profiles = ledger.speakers.profiles()
    if as_json:
        rows = [
            {
                "name": p.name,
                "meetings": p.meetings,
                "seconds": round(p.seconds, 1),
                "source": p.source,
                "updated_at": p.updated_at,
            }
            for p in profiles
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not settings.diarizer.voice_profiles:
        click.echo("voice profiles are off (diarizer.voice_profiles = false)")
    if not profiles:
        click.echo("no voice profiles")
    for p in profiles:
        minutes = p.seconds / 60
        click.echo(
            f"{terminal_safe(p.name)}: {p.meetings} meeting(s), {minutes:.1f} min of speech, "
            f"last {p.updated_at[:10]} ({p.source})"
        )


@speakers_command.command(name="rename")
@click.argument("recording_id", metavar="RECORDING", type=int)
@click.argument("label")
@click.argument("name")
@click.pass_context
def rename_command(ctx: click.Context, /, recording_id: int, label: str, name: str) -> None:
    """Call speaker LABEL ("S2", "Speaker 2" or the name shown) of RECORDING by NAME.

    The recording is summarized and rendered again; its report keeps its file names.
    """
    from daemon.assembly import assemble

    settings = settings_from(ctx.obj or {})
    setup_logging(settings, (ctx.obj or {}).get("verbose", 0), quiet_default=True)
    with Ledger(settings.database) as ledger:
        report = assemble(settings, ledger).pipeline.rename_speaker(recording_id, label, name)
    click.echo(str(report.markdown))


@speakers_command.command(name="forget")
@click.argument("name", required=False)
@click.option("--all", "everyone", is_flag=True, help="Delete every voice profile.")
@click.pass_context
def forget_command(ctx: click.Context, /, name: str | None, everyone: bool) -> None:
    """Delete the voice profile of NAME (or all of them with --all)."""
    if (name is None) == (not everyone):
        raise click.UsageError("give a NAME or --all")
    settings = settings_from(ctx.obj or {})
    with Ledger(settings.database) as ledger:
        if everyone:
            click.echo(f"deleted {ledger.speakers.forget_all()} voice profile(s)")
            return
        assert name is not None
        if not ledger.speakers.forget(name):
            raise click.ClickException(f"no voice profile named {name!r}")
    click.echo(f"deleted the voice profile of {terminal_safe(name)}")


COMMANDS = (speakers_command,)

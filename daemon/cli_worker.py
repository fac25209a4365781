"""``minutes worker``: serve chunk transcription for daemons using ``executor.name = "celery"``."""

from __future__ import annotations

from typing import Any

import click

from daemon.cli_options import settings_from, settings_options, setup_logging


@click.command(name="worker")
@settings_options
@click.option("--name", help="Worker name (default: minutes-PID@HOST).")
def worker_command(name: str | None, **params: Any) -> None:
    """Transcribe chunks sent by a daemon through the broker ([executor] settings)."""
    settings = settings_from(params)
    setup_logging(settings, params["verbose"])
    from daemon.executor.worker import run_worker

    run_worker(settings, name)


COMMANDS = (worker_command,)

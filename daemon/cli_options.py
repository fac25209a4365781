"""What every ``minutes`` command shares: the settings options and logging set-up."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from daemon.config import Settings, load_settings
from daemon.errors import ConfigError
from daemon.terminal import TerminalSafeFormatter

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


def settings_from(params: dict[str, Any], summarizer: str | None = None) -> Settings:
    """Settings from the common options; ``summarizer`` (a --summarizer flag) wins over --set."""
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
        overrides[key.strip()] = parse_value(value.strip())
    if summarizer:
        overrides["summarizer.name"] = summarizer
    return load_settings(params.get("config_file"), overrides)


def parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def setup_logging(settings: Settings, verbose: int, quiet_default: bool = False) -> None:
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

"""``minutes eval``: score the configured summarizer on a folder of annotated meetings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from daemon.cli_options import settings_from, settings_options, setup_logging
from daemon.config import Settings
from daemon.ledger import Ledger

if TYPE_CHECKING:
    from daemon.evaluate import Evaluation


@click.command(name="eval")
@settings_options
@click.argument("gold_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--against", "against", type=click.Path(path_type=Path, dir_okay=False),
    help="A second config file: run its summarizer too and show both with the difference.",
)  # fmt: skip
@click.option("--summarizer", "summarizer_name", help="Summarizer to use (default: configured).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (for CI).")
def eval_command(
    gold_dir: Path,
    against: Path | None,
    summarizer_name: str | None,
    as_json: bool,
    **params: Any,
) -> None:
    """Score the summarizer on GOLD_DIR (<id>.txt scripts with <id>.gold.json annotations)."""
    settings = settings_from(params, summarizer_name)
    setup_logging(settings, params["verbose"], quiet_default=True)
    from daemon.evaluate import report

    first = _evaluate(gold_dir, settings)
    if against is None:
        click.echo(
            json.dumps(report.as_json(first), indent=2) if as_json else report.text_report(first)
        )
        return
    # The command line's other options apply to both; only the config file differs.
    second = _evaluate(gold_dir, settings_from({**params, "config_file": against}, summarizer_name))
    click.echo(
        json.dumps(report.comparison_json(first, second), indent=2)
        if as_json
        else report.comparison_report(first, second)
    )


def _evaluate(gold_dir: Path, settings: Settings) -> Evaluation:
    from daemon.api.client import api_client_for
    from daemon.evaluate import evaluate

    # The ledger records what a remote summarizer's calls cost, and its budgets apply.
    with Ledger(settings.database) as ledger:
        return evaluate(
            gold_dir, settings.summarizer, api_client_for(settings, ledger), settings.privacy
        )


COMMANDS = (eval_command,)

"""Outside text (file names, speech, model output) reaches the terminal inert (issue 8)."""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from meetings import add_meeting

from daemon.cli import cli
from daemon.config import Settings
from daemon.ledger import Ledger
from daemon.terminal import TerminalSafeFormatter, terminal_safe

# Clear the screen, retitle the window, a C1 CSI, a carriage return, a bidi override, rich markup.
HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x9b31m\r\u202e[red]x"
CONTROL_BYTES = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def assert_inert(output: str) -> None:
    assert CONTROL_BYTES.findall(output) == [], repr(output)


def test_control_characters_are_shown_as_escapes_and_tabs_as_spaces() -> None:
    assert terminal_safe(HOSTILE) == r"\x1b[2J\x1b]0;pwned\x07\x9b31m\x0d\u202e[red]x"
    assert terminal_safe("a\tb\nc") == r"a b\x0ac"
    assert terminal_safe("a\nb", keep_newlines=True) == "a\nb"
    assert terminal_safe("Café Ünïcode 会议 🎙") == "Café Ünïcode 会议 🎙"


def test_a_raw_byte_of_a_file_name_is_shown_as_that_byte() -> None:
    name = b"standup-\xff.wav".decode("utf-8", "surrogateescape")
    assert terminal_safe(name) == r"standup-\xff.wav"


def test_status_shows_a_hostile_file_name_and_failure_reason_inert(
    settings: Settings, ledger: Ledger, tmp_path: Path
) -> None:
    row = ledger.add_recording(sha256=None, path=tmp_path / f"{HOSTILE}.wav", size=1, mtime_ns=1)
    ledger.set_state(row.id, "failed", stage="decode", error=f"cannot decode {HOSTILE}")
    result = CliRunner().invoke(cli, ["status", "--state-dir", str(settings.state_dir)])
    assert result.exit_code == 0, result.output
    assert_inert(result.output)
    assert "pwned" in result.output and "[red]x" in result.output  # shown, not obeyed


def test_actions_show_a_hostile_owner_and_task_inert(
    settings: Settings, ledger: Ledger, tmp_path: Path
) -> None:
    add_meeting(
        ledger, tmp_path, "sync", "Ana: I'll send the budget to finance.\n", date(2026, 6, 1)
    )
    with ledger.transaction() as db:
        db.execute("UPDATE action_items SET owner = ?, task = ?", (f"Ana{HOSTILE}", HOSTILE))
    base = ["actions", "--state-dir", str(settings.state_dir)]
    listed = CliRunner().invoke(cli, base)
    assert listed.exit_code == 0, listed.output
    assert_inert(listed.output)
    assert "pwned" in listed.output
    item_id = ledger.query("SELECT id FROM action_items")[0][0]
    done = CliRunner().invoke(cli, [*base, "done", str(item_id)])
    assert done.exit_code == 0, done.output
    assert_inert(done.output)
    assert done.output.strip().endswith(": done")


def test_search_shows_hostile_transcript_text_inert(
    settings: Settings, ledger: Ledger, tmp_path: Path
) -> None:
    add_meeting(
        ledger, tmp_path, "sync", f"Ana: the vendor contract {HOSTILE} is signed.\n",
        date(2026, 6, 1),
    )  # fmt: skip
    result = CliRunner().invoke(
        cli, ["search", "--state-dir", str(settings.state_dir), "vendor", "contract"]
    )
    assert result.exit_code == 0, result.output
    assert "vendor" in result.output
    assert_inert(result.output)


def test_log_lines_cannot_be_forged_or_carry_control_sequences() -> None:
    formatter = TerminalSafeFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord(
        "daemon", logging.INFO, __file__, 1, "%s: set aside", (f"a\nERROR fake{HOSTILE}",), None
    )
    line = formatter.format(record)
    assert "\n" not in line
    assert_inert(line)

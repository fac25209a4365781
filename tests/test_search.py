"""Search across meetings: transcripts, summaries and action items, best match first."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner
from meetings import add_meeting

from daemon.cli import cli
from daemon.config import Settings
from daemon.ledger import Ledger
from daemon.search import search


def three_meetings(ledger: Ledger, outbox: Path) -> tuple[int, int, int]:
    return (
        add_meeting(
            ledger, outbox, "vendors",
            "Ana: The vendor contract renewal is the main topic.\n"
            "Ben: The vendor contract has a price increase.\n"
            "Ana: I'll negotiate the vendor contract by Friday.\n",
            date(2026, 6, 1),
        ),
        add_meeting(
            ledger, outbox, "hiring",
            "Cid: We need two engineers.\nDee: I'll post the job ad today.\n",
            date(2026, 6, 2),
        ),
        add_meeting(
            ledger, outbox, "misc", "Eve: Someone mentioned a contract last week.\nFay: Lunch?\n",
            date(2026, 6, 3),
        ),
    )  # fmt: skip


def test_the_meeting_that_is_about_the_words_ranks_first(ledger: Ledger, tmp_path: Path) -> None:
    vendors, _, misc = three_meetings(ledger, tmp_path)
    hits = search(ledger, "vendor contract")
    assert hits and hits[0].recording_id == vendors
    assert {h.recording_id for h in hits} == {vendors}  # every word must occur
    assert any(h.kind == "action item" and "negotiate" in h.text.lower() for h in hits)
    assert [h.recording_id for h in search(ledger, "contract")][-1] == misc


def test_hits_say_where_report_and_time(ledger: Ledger, tmp_path: Path) -> None:
    _, hiring, _ = three_meetings(ledger, tmp_path)
    (hit, *_) = search(ledger, "job ad")
    assert hit.recording_id == hiring
    assert hit.report is not None and hit.report.name == "2026-06-02_hiring.md"
    assert hit.at == 5.0
    assert "**job**" in hit.snippet.lower()


def test_queries_with_punctuation_or_nothing_in_them_are_safe(
    ledger: Ledger, tmp_path: Path
) -> None:
    three_meetings(ledger, tmp_path)
    assert search(ledger, 'vendor "contract') != []
    assert search(ledger, "AND OR NOT*") == []
    assert search(ledger, "   ") == []


def test_the_search_command_prints_report_time_and_line(
    settings: Settings, ledger: Ledger, tmp_path: Path
) -> None:
    three_meetings(ledger, tmp_path)
    result = CliRunner().invoke(
        cli, ["search", "--state-dir", str(settings.state_dir), "job", "ad"]
    )
    assert result.exit_code == 0, result.output
    assert "2026-06-02_hiring.md at 00:00:05 (transcript)" in result.output

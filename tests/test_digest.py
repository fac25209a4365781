"""Digests on a frozen clock walked through days and weeks: exactly once, also after downtime."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from meetings import add_meeting

from daemon.cli import cli
from daemon.config import Settings
from daemon.digest import Digests
from daemon.ledger import Ledger
from daemon.schedule import DigestScheduler

BERLIN = ZoneInfo("Europe/Berlin")


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def at(self, text: str) -> datetime:
        self.now = datetime.fromisoformat(text).replace(tzinfo=BERLIN)
        return self.now


def digests(settings: Settings, ledger: Ledger, clock: Clock) -> Digests:
    return Digests(settings, ledger, clock=clock)


def names(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def test_daily_and_weekly_digests_are_written_once_each_including_after_downtime(
    make_settings: Any, tmp_path: Path
) -> None:
    settings: Settings = make_settings(**{"digest.timezone": "Europe/Berlin"})
    clock = Clock(datetime(2026, 3, 2, 9, 30, tzinfo=BERLIN))  # Monday morning: first start
    with Ledger(settings.database) as ledger:
        runner = digests(settings, ledger, clock)
        assert runner.catch_up() == []
        add_meeting(
            ledger, settings.outbox, "standup",
            "Ana: I'll send the budget to finance by Wednesday.\n"
            "Ben: Let's go with the blue design.\nAna: Agreed.\n",
            date(2026, 3, 2), written=clock.at("2026-03-02T10:30"),
        )  # fmt: skip
        clock.at("2026-03-02T17:00:01")
        (monday,) = runner.catch_up()
        assert monday.name == "daily-2026-03-02.md"
        text = monday.read_text()
        assert "[standup](../2026-03-02_standup.md), Mon 02 Mar" in text
        assert "Use the blue design" in text
        assert "**Ana**\n- [ ] Send the budget to finance — due Wed 04 Mar" in text

        clock.at("2026-03-03T12:00")
        assert runner.catch_up() == []  # nothing due before Tuesday 17:00

        # Down from Tuesday noon to Thursday morning: Tuesday's and Wednesday's are made up.
        clock.at("2026-03-05T09:00")
        restarted = digests(settings, ledger, clock)
        assert names(restarted.catch_up()) == ["daily-2026-03-03.md", "daily-2026-03-04.md"]
        assert restarted.catch_up() == []
        assert digests(settings, ledger, clock).catch_up() == []  # another restart: still once

        wednesday = (settings.outbox / "digests" / "daily-2026-03-04.md").read_text()
        assert "No meetings were minuted in this period." in wednesday
        clock.at("2026-03-05T17:30")
        thursday = runner.catch_up()[0].read_text()
        assert "## Overdue" in thursday and "was due Wed 04 Mar" in thursday

        # The weekend has no dailies; Monday 09:00 brings the weekly, covering the meeting.
        clock.at("2026-03-09T09:30")
        assert names(runner.catch_up()) == ["daily-2026-03-06.md", "weekly-2026-W10.md"]
        weekly = (settings.outbox / "digests" / "weekly-2026-W10.md").read_text()
        assert "[standup](../2026-03-02_standup.md)" in weekly
        rows = ledger.query("SELECT kind, COUNT(*) FROM digests GROUP BY kind ORDER BY kind")
        assert [tuple(r) for r in rows] == [("daily", 5), ("weekly", 1)]


def test_empty_periods_can_be_skipped_and_are_still_not_redone(
    make_settings: Any,
) -> None:
    settings: Settings = make_settings(
        **{"digest.timezone": "Europe/Berlin", "digest.skip_empty": True, "digest.weekly": "none"}
    )
    clock = Clock(datetime(2026, 3, 2, 8, 0, tzinfo=BERLIN))
    with Ledger(settings.database) as ledger:
        runner = digests(settings, ledger, clock)
        runner.catch_up()
        clock.at("2026-03-04T18:00")
        assert runner.catch_up() == []
        assert not (settings.outbox / "digests").exists()
        assert len(ledger.query("SELECT * FROM digests WHERE path IS NULL")) == 3
        assert runner.catch_up() == []


def test_the_scheduler_catches_up_at_start_and_schedules_the_next_fire_times(
    make_settings: Any,
) -> None:
    settings: Settings = make_settings(**{"digest.timezone": "Europe/Berlin"})
    with Ledger(settings.database) as ledger:
        runner = Digests(settings, ledger)
        scheduler = DigestScheduler(runner)
        scheduler.start()
        try:
            daily = scheduler.scheduler.get_job("digest-daily")
            weekly = scheduler.scheduler.get_job("digest-weekly")
            assert (daily.next_run_time.hour, daily.next_run_time.minute) == (17, 0)
            assert daily.next_run_time.weekday() < 5
            assert (weekly.next_run_time.weekday(), weekly.next_run_time.hour) == (0, 9)
            assert str(daily.next_run_time.tzinfo) == "Europe/Berlin"
            assert ledger.meta("digest_epoch", "unset") != "unset"  # start-up looked at the ledger
        finally:
            scheduler.stop()


def test_minutes_digest_renders_a_chosen_range_now(settings: Settings, ledger: Ledger) -> None:
    add_meeting(
        ledger, settings.outbox, "kickoff", "Ana: I'll draft the project charter.\n",
        date(2026, 3, 2), written=datetime(2026, 3, 2, 11, 0, tzinfo=BERLIN),
    )  # fmt: skip
    result = CliRunner().invoke(
        cli,
        ["digest", "--state-dir", str(settings.state_dir), "--outbox", str(settings.outbox),
         "--since", "2026-03-01", "--until", "2026-03-03"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path.name == "digest-2026-03-01_to_2026-03-04.md"
    assert "Draft the project charter" in path.read_text()
    assert ledger.query("SELECT COUNT(*) FROM digests")[0][0] == 0  # on demand: not a period


def test_a_digest_shows_what_remote_backends_cost_in_its_period(
    settings: Settings, ledger: Ledger
) -> None:
    from datetime import timedelta, timezone

    from daemon.ledger import ApiCall

    ledger.record_call(ApiCall("openai", "chat", "gpt-4o-mini", "ok", 1.2, cost_usd=0.42))
    now = datetime.now(timezone.utc)
    runner = Digests(settings, ledger)
    covering = runner.custom(now - timedelta(hours=1), now + timedelta(hours=1)).read_text()
    assert "## API cost\n\n0.42 USD spent on remote backends in this period." in covering
    earlier = runner.custom(now - timedelta(days=2), now - timedelta(days=1)).read_text()
    assert "## API cost" not in earlier


def test_minutes_digest_runs_the_hook_command_like_a_scheduled_digest(
    settings: Settings, ledger: Ledger, tmp_path: Path
) -> None:
    seen = tmp_path / "hook-saw.txt"
    script = f"import sys; open({str(seen)!r}, 'w').write(sys.argv[1])"
    result = CliRunner().invoke(
        cli,
        ["digest", "--state-dir", str(settings.state_dir), "--outbox", str(settings.outbox),
         "--since", "2026-03-01", "--until", "2026-03-03",
         "--set", f"hooks.command={json.dumps([sys.executable, '-c', script])}"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = Path(result.output.strip())
    assert written.is_file()
    assert seen.read_text() == str(written)


def test_a_digest_carries_no_control_characters_from_file_names_or_tasks(
    settings: Settings, ledger: Ledger
) -> None:
    hostile = "\x1b[2J\x1b]0;pwned\x07\x9b31m"
    add_meeting(
        ledger, settings.outbox, f"standup{hostile}", "Ana: I'll draft the project charter.\n",
        date(2026, 3, 2), written=datetime(2026, 3, 2, 11, 0, tzinfo=BERLIN),
    )  # fmt: skip
    with ledger.transaction() as db:
        db.execute("UPDATE action_items SET owner = ?, task = ?", (f"Ana{hostile}", hostile))
    since, until = datetime(2026, 3, 1, tzinfo=BERLIN), datetime(2026, 3, 3, tzinfo=BERLIN)
    text = Digests(settings, ledger).custom(since, until).read_text()
    assert "standup \\[2J \\]0;pwned 31m" in text  # in the title, controls part words
    assert not [c for c in text if c != "\n" and (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)]

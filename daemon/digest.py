"""Digests: what was decided and what is still open, across meetings, per day and per week.

A scheduled digest covers the time since the schedule's previous fire time, up to its own:
(previous, this]. So every report falls in exactly one daily and one weekly digest, whatever
the hour its meeting was processed. A meeting counts in the period in which its report was
written, which is when people could first read it.

The ledger, not the scheduler, decides which digests exist. ``catch_up`` lists every fire time
since the ledger began digesting, and produces each one that has no row yet, so a daemon that was
down at 17:00 writes the missed digest when it starts, and never writes one twice.

Every digest written, scheduled or on demand (``minutes digest``), goes to the delivery hooks:
unless told otherwise, ``Digests`` delivers through ``settings.hooks`` itself (issue 8).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from daemon import __version__
from daemon.actions import TrackedItem, list_items
from daemon.config import Settings
from daemon.files import atomic_write_text
from daemon.hooks import Hooks
from daemon.ledger import Ledger
from daemon.render import MarkdownSafe, make_environment, title_from_name

log = logging.getLogger("daemon.digest")

DIGEST_TEMPLATE = "digest.md.j2"
_LOOKBACK = timedelta(days=40)  # far enough back to find a weekly schedule's previous fire


@dataclass(frozen=True)
class Period:
    kind: str  # daily, weekly or custom
    start: datetime  # exclusive
    end: datetime  # inclusive

    @property
    def label(self) -> str:
        if self.kind == "weekly":
            # Named for the week it looks back on, not the Monday morning it is written.
            year, week, _ = (self.end - timedelta(days=1)).isocalendar()
            return f"weekly-{year}-W{week:02d}"
        if self.kind == "daily":
            return f"daily-{self.end:%Y-%m-%d}"
        return f"digest-{self.start:%Y-%m-%d}_to_{self.end:%Y-%m-%d}"


@dataclass(frozen=True)
class Meeting:
    recording_id: int
    title: str
    meeting_date: date | None
    report: Path | None
    duration: float | None


def zone(settings: Settings) -> tzinfo:
    if settings.digest.timezone:
        return ZoneInfo(settings.digest.timezone)
    local = datetime.now().astimezone().tzinfo
    return local if local is not None else timezone.utc


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


class Digests:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        clock: Callable[[], datetime] | None = None,
        on_written: Callable[[Path, Period], None] | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.zone = zone(settings)
        self.clock = clock or (lambda: datetime.now(self.zone))
        self.on_written = on_written or deliver_to(Hooks(settings.hooks))
        self.env = make_environment(settings.templates)
        self.folder = settings.outbox / settings.digest.folder

    def schedules(self) -> dict[str, str]:
        digest = self.settings.digest
        if not digest.enabled:
            return {}
        return {k: v for k, v in (("daily", digest.daily), ("weekly", digest.weekly)) if v}

    # Which periods are due ------------------------------------------------------------------

    def due_periods(self, now: datetime) -> list[Period]:
        epoch = datetime.fromisoformat(self.ledger.meta("digest_epoch", _utc(now)))
        due: list[Period] = []
        for kind, cron in self.schedules().items():
            done = self.ledger.digests.period_ends(kind)
            for start, end in self._fire_windows(cron, epoch, now):
                if _utc(end) not in done:
                    due.append(Period(kind, start, end))
        return sorted(due, key=lambda p: (p.end, p.kind))

    def _fire_windows(
        self, cron: str, epoch: datetime, now: datetime
    ) -> Iterator[tuple[datetime, datetime]]:
        from apscheduler.triggers.cron import CronTrigger

        trigger = CronTrigger.from_crontab(cron, timezone=self.zone)
        previous: datetime | None = None
        moment = trigger.get_next_fire_time(None, epoch - _LOOKBACK)
        while moment is not None and moment <= now:
            if previous is not None and moment > epoch:
                yield previous, moment
            previous = moment
            moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))

    def catch_up(self, now: datetime | None = None) -> list[Path]:
        """Produce every due digest, oldest first; return the files written."""
        written: list[Path] = []
        for period in self.due_periods(now or self.clock()):
            path = self.produce(period)
            if path is not None:
                written.append(path)
        return written

    # Producing one ----------------------------------------------------------------------------

    def produce(self, period: Period) -> Path | None:
        context = self.context(period)
        empty = not context["meetings"] and not context["done"]
        path: Path | None = None
        if not (empty and self.settings.digest.skip_empty and period.kind != "custom"):
            path = self.folder / f"{period.label}.md"
            markdown = self.env.get_template(DIGEST_TEMPLATE).render(context)
            atomic_write_text(path, markdown)
        if period.kind != "custom":
            self.ledger.digests.record(
                period.kind, _utc(period.start), _utc(period.end), path,
                len(context["meetings"]), _utc(self.clock()),
            )  # fmt: skip
        log.info("digest %s: %s", period.label, path or "skipped (no meetings)")
        if path is not None:
            self.on_written(path, period)
        return path

    def context(self, period: Period) -> dict[str, Any]:
        meetings = self._meetings(period)
        ids = {m.recording_id for m in meetings}
        opened = [i for i in list_items(self.ledger) if i.recording_id in ids]
        done = [
            i
            for i in list_items(self.ledger, statuses=("done", "dropped"))
            if i.status_at is not None and period.start < i.status_at <= period.end
        ]
        overdue = list_items(self.ledger, overdue_on=period.end.date())
        return {
            "period": period,
            "zone": str(self.zone),
            "meetings": meetings,
            "decisions": self.ledger.summaries.decisions_of(ids),
            "opened": _by_owner(opened),
            "done": _by_owner(done),
            "overdue": _by_owner(overdue),
            "open_count": len(list_items(self.ledger, statuses=("open",))),
            "cost": self.ledger.spent_since(period.start, period.end),
            "link": self._link,
            "generator": f"minutes {__version__}",
        }

    def _link(self, report: Path | None) -> MarkdownSafe:
        """A relative link from the digest to a report, so the outbox can move as a whole."""
        return MarkdownSafe(quote(os.path.relpath(report, self.folder)) if report else "")

    def _meetings(self, period: Period) -> list[Meeting]:
        return [
            Meeting(
                recording_id=m.recording_id,
                title=title_from_name(m.source_name),
                meeting_date=m.day,
                report=m.report,
                duration=m.duration,
            )
            for m in self.ledger.digests.meetings(_utc(period.start), _utc(period.end))
        ]

    def custom(self, since: datetime, until: datetime) -> Path:
        path = self.produce(Period("custom", since, until))
        assert path is not None  # custom digests are always written
        return path


def deliver_to(hooks: Hooks) -> Callable[[Path, Period], None]:
    """What to do with each digest written: hand it to the delivery hooks."""

    def deliver(path: Path, period: Period) -> None:
        hooks.delivered("digest", path, {"period": period.label})

    return deliver


def _by_owner(items: list[TrackedItem]) -> list[tuple[str, list[TrackedItem]]]:
    groups: dict[str, list[TrackedItem]] = {}
    for item in items:
        groups.setdefault(item.owner or "Unassigned", []).append(item)
    return sorted(groups.items(), key=lambda g: (g[0] == "Unassigned", g[0].lower()))

"""Run digests on their cron schedules with APScheduler 3, in the configured time zone.

The scheduler only says when to look: each tick (a schedule's fire time, and a slow interval as
a safety net for sleeping laptops) asks ``Digests.catch_up``, which reads the ledger to decide
what is due. A misfired or coalesced job therefore loses nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from daemon.digest import Digests

log = logging.getLogger("daemon.schedule")

SAFETY_NET_MINUTES = 10


class DigestScheduler:
    def __init__(self, digests: Digests) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        self.digests = digests
        self.scheduler: Any = BackgroundScheduler(timezone=digests.zone)

    def start(self) -> None:
        from apscheduler.triggers.cron import CronTrigger

        schedules = self.digests.schedules()
        if not schedules:
            log.info("digests are off")
            return
        self.tick()  # whatever fell due while the daemon was down
        for kind, cron in schedules.items():
            trigger = CronTrigger.from_crontab(cron, timezone=self.digests.zone)
            self.scheduler.add_job(
                self.tick, trigger, id=f"digest-{kind}", coalesce=True, misfire_grace_time=None
            )
        self.scheduler.add_job(
            self.tick, "interval", minutes=SAFETY_NET_MINUTES, id="digest-safety-net", coalesce=True
        )
        self.scheduler.start()
        log.info("digests scheduled: %s", ", ".join(f"{k} '{v}'" for k, v in schedules.items()))

    def tick(self) -> None:
        try:
            self.digests.catch_up()
        except Exception:  # a digest problem must not stop the daemon
            log.exception("digest run failed; will try again at the next tick")

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

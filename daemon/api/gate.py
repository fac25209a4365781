"""The gate every attempt of ``ApiClient.call`` passes before it is sent: the pause and the budget.

A pause (refused key, no quota, a budget cap) is kept in the ledger. While it lasts every call is
refused without touching the network. Once its interval is over one call probes while the others
wait on a condition for its answer, instead of all probing at once; only the probe's success
lifts the pause (issue 8), and only a pause no newer than the probe.

The budget check counts the estimated cost of calls sent and not yet recorded, so concurrent
calls cannot together pass a cap that each alone would respect.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone

from daemon.api.costs import over_budget, period_starts
from daemon.errors import ApiPaused, Interrupted
from daemon.ledger import ApiPauseRow, Ledger
from daemon.sections import OpenAISettings

log = logging.getLogger("daemon.api.gate")

REFUSALS = ("auth", "quota")  # the pauses a successful call lifts; budgets lift by the calendar


class Gate:
    def __init__(
        self, settings: OpenAISettings, ledger: Ledger, backend: str, stop: threading.Event
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.backend = backend
        self.stop = stop
        self._lock = threading.Lock()
        self._in_flight = 0.0  # estimated cost of calls sent and not yet recorded
        self._condition = threading.Condition()
        self._probing = False

    def admit(self, estimated_cost: float) -> ApiPauseRow | None:
        """Let a call through the pause and the budget, or raise; return the pause it probes."""
        probed = self._through_pause()
        try:
            self._reserve(estimated_cost)
        except BaseException:
            self.release(0.0, probed)
            raise
        return probed

    def pause(self, kind: str, reason: str, until: float | None) -> None:
        with self._condition:  # not between a probe's look at the pause and its lifting
            self.ledger.set_pause(kind, reason, until)

    def lift(self, probed: ApiPauseRow) -> None:
        """The probe of ``probed`` was answered: lift that pause, but not one set after it."""
        with self._condition:
            pause = self.ledger.pause()
            if pause is None or pause.kind not in REFUSALS or pause.since > probed.since:
                return
            log.info("%s API answers again; resuming API work", self.backend)
            self.ledger.clear_pause(REFUSALS)

    def release(self, estimated_cost: float, probed: ApiPauseRow | None) -> None:
        with self._lock:
            self._in_flight = max(0.0, self._in_flight - estimated_cost)
        if probed is not None:
            with self._condition:
                self._probing = False
                self._condition.notify_all()

    def _through_pause(self) -> ApiPauseRow | None:
        with self._condition:
            while self._probing:
                if self.stop.is_set():
                    raise Interrupted("stopped while another call probes the paused API")
                self._condition.wait(0.1)
            pause = self.ledger.pause()
            if pause is None:
                return None
            if pause.until is None or time.time() < pause.until:
                raise ApiPaused(self.backend, pause.reason, kind=pause.kind, until=pause.until)
            if pause.kind not in REFUSALS:
                return None  # a budget period is over; the budget check below decides
            log.info("%s API: the pause is over; one call probes", self.backend)
            self._probing = True
            return pause

    def _reserve(self, estimated_cost: float) -> None:
        with self._lock:
            in_flight = self._in_flight
            day, month = period_starts(datetime.now(timezone.utc))
            check = over_budget(
                self.settings,
                datetime.now(timezone.utc),
                self.ledger.spent_since(day) + in_flight,
                self.ledger.spent_since(month) + in_flight,
                estimated_cost,
            )
            if check is None:
                self._in_flight += estimated_cost
                return
        reason = (
            f"{check.cap} budget of ${check.limit:.2f} reached (spent ${check.spent:.4f}, "
            f"next call ~${estimated_cost:.4f}); API work waits until the "
            f"{'next day' if check.cap == 'daily' else 'next month'} (UTC)"
        )
        log.warning("%s", reason)
        self.ledger.set_pause("budget", reason, check.until)
        raise ApiPaused(self.backend, reason, kind="budget", until=check.until)

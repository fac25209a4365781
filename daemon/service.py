"""The daemon: the inbox watcher feeds a queue, one worker drains it through the pipeline.

One worker, because transcription already uses every core; a second would only make both slower.
A path is queued at most once at a time. On start the worker first resumes recordings the ledger
says were queued or mid-way, then takes what the watcher hands on. A stop request (SIGINT,
SIGTERM, or ``stop.set()`` in tests) lets the current chunk finish and be checkpointed.

Remote APIs: a recording whose API work must wait (``ApiDeferred``: a paused API, a long rate
limit, a summary in the Batch API) stays queued and is set aside until its time comes or, for
batches, until the poller says its results are in. A restart lifts an API pause, because the
key, the quota or the budget may have been fixed meanwhile; the next call finds out.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from daemon.assembly import pipeline_for
from daemon.config import Settings
from daemon.digest import Digests, deliver_to
from daemon.errors import ApiDeferred, Interrupted, MinutesError, ModelError
from daemon.ledger import Ledger
from daemon.schedule import DigestScheduler
from daemon.transcribe import Transcriber
from daemon.watch import InboxWatcher

if TYPE_CHECKING:
    from daemon.api.client import ApiClient
    from daemon.batch import BatchRunner
    from daemon.metrics import MetricsServer

log = logging.getLogger("daemon.service")


class Service:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        transcriber: Transcriber,
        stop: threading.Event | None = None,
        api: ApiClient | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.stop = stop or threading.Event()
        self.pipeline = pipeline_for(settings, ledger, transcriber, stop=self.stop, api=api)
        self.watcher = InboxWatcher(settings, self.enqueue)
        self.digests = Digests(settings, ledger, on_written=deliver_to(self.pipeline.hooks))
        self.scheduler = DigestScheduler(self.digests)
        self._queue: queue.Queue[Path] = queue.Queue()
        self._pending: set[Path] = set()
        self._waiting: dict[Path, float | None] = {}  # set aside until (None: until the poller)
        self._lock = threading.Lock()
        self.batches: BatchRunner | None = None
        if self.pipeline.api is not None and settings.summarizer.mode == "batch":
            from daemon.batch import BatchRunner

            self.batches = BatchRunner(self.pipeline.api)
        self._next_poll = 0.0
        self.metrics: MetricsServer | None = None
        if settings.metrics.port is not None:
            from daemon.metrics import MetricsServer

            self.metrics = MetricsServer(settings.metrics, ledger, settings.openai)

    def enqueue(self, path: Path) -> None:
        with self._lock:
            if path in self._pending or path in self._waiting:
                return
            self._pending.add(path)
        self._queue.put(path)

    def run(self) -> None:
        """Run until ``stop`` is set."""
        for folder in (self.settings.outbox, self.settings.archive, self.settings.failed):
            folder.mkdir(parents=True, exist_ok=True)
        self.pipeline.finish_interrupted_filing()
        if self.pipeline.api is not None and self.ledger.pause() is not None:
            log.info("restarted: lifting the API pause; the next call shows whether it is fixed")
            self.ledger.clear_pause()
        for row in reversed(self.ledger.recordings(("queued", "processing"))):
            if row.path.exists():
                log.info("resuming recording #%d %s", row.id, row.path.name)
                self.enqueue(row.path)
        if self.metrics is not None:
            self.metrics.start()  # first: a port in use stops the daemon before it takes work
        self.watcher.start()
        self.scheduler.start()
        try:
            while not self.stop.is_set():
                self._tick()
                try:
                    path = self._queue.get(timeout=0.2)
                except queue.Empty:
                    continue
                try:
                    self._handle(path)
                finally:
                    with self._lock:
                        self._pending.discard(path)
        finally:
            self.scheduler.stop()
            self.watcher.stop()
            if self.metrics is not None:
                self.metrics.stop()
            log.info("stopped")

    def _handle(self, path: Path) -> None:
        from_inbox = path.is_relative_to(self.settings.inbox)
        try:
            self.pipeline.submit(path, from_inbox=from_inbox)
        except Interrupted as exc:
            log.info("%s: %s", path.name, exc.message)
        except ApiDeferred as exc:
            with self._lock:
                self._waiting[path] = exc.until
            log.info("%s: set aside: %s", path.name, exc.reason)
        except ModelError:
            raise  # the model is unusable for every recording: stopping says so plainly
        except Exception:
            # Whatever went wrong with this one file (a ledger hiccup, a full disk while filing
            # it away), the daemon goes on with the next: one bad file must not become a crash
            # loop under systemd's Restart=on-failure.
            log.exception("%s: could not be handled; the daemon goes on", path.name)

    def _tick(self) -> None:
        """Release recordings whose wait is over; poll the Batch API when it is time."""
        now = time.time()
        with self._lock:
            due = [p for p, until in self._waiting.items() if until is not None and until <= now]
            for path in due:
                del self._waiting[path]
        for path in due:
            self.enqueue(path)
        if self.batches is None or time.monotonic() < self._next_poll:
            return
        self._next_poll = time.monotonic() + self.settings.summarizer.batch_poll_interval
        try:
            ready = self.batches.poll()
        except MinutesError as exc:
            log.warning("batch poll failed: %s", exc.message)
            return
        for recording_id in ready:
            path = self.ledger.get(recording_id).path
            with self._lock:
                self._waiting.pop(path, None)
            if path.exists():
                self.enqueue(path)

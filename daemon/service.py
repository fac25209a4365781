"""The daemon: the inbox watcher feeds a queue, one worker drains it through the pipeline.

One worker, because transcription already uses every core; a second would only make both slower.
A path is queued at most once at a time. On start the worker first resumes recordings the ledger
says were queued or mid-way, then takes what the watcher hands on. A stop request (SIGINT,
SIGTERM, or ``stop.set()`` in tests) lets the current chunk finish and be checkpointed.
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path

from daemon.config import Settings
from daemon.digest import Digests
from daemon.errors import Interrupted
from daemon.ledger import Ledger
from daemon.pipeline import Pipeline
from daemon.schedule import DigestScheduler
from daemon.transcribe import Transcriber
from daemon.watch import InboxWatcher

log = logging.getLogger("daemon.service")


class Service:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        transcriber: Transcriber,
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.stop = stop or threading.Event()
        self.pipeline = Pipeline(settings, ledger, transcriber, stop=self.stop)
        self.watcher = InboxWatcher(settings, self.enqueue)
        self.digests = Digests(
            settings,
            ledger,
            on_written=lambda path, period: self.pipeline.hooks.delivered(
                "digest", path, {"period": period.label}
            ),
        )
        self.scheduler = DigestScheduler(self.digests)
        self._queue: queue.Queue[Path] = queue.Queue()
        self._pending: set[Path] = set()
        self._lock = threading.Lock()

    def enqueue(self, path: Path) -> None:
        with self._lock:
            if path in self._pending:
                return
            self._pending.add(path)
        self._queue.put(path)

    def run(self) -> None:
        """Run until ``stop`` is set."""
        for folder in (self.settings.outbox, self.settings.archive, self.settings.failed):
            folder.mkdir(parents=True, exist_ok=True)
        self.pipeline.finish_interrupted_filing()
        for row in reversed(self.ledger.recordings(("queued", "processing"))):
            if row.path.exists():
                log.info("resuming recording #%d %s", row.id, row.path.name)
                self.enqueue(row.path)
        self.watcher.start()
        self.scheduler.start()
        try:
            while not self.stop.is_set():
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
            log.info("stopped")

    def _handle(self, path: Path) -> None:
        from_inbox = path.is_relative_to(self.settings.inbox)
        try:
            self.pipeline.submit(path, from_inbox=from_inbox)
        except Interrupted as exc:
            log.info("%s: %s", path.name, exc.message)

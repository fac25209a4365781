"""Watch the inbox and hand on files once they have stopped changing.

A file is stable when no event arrived for ``stability_delay`` seconds and two readings of
``(size, mtime_ns)`` taken that far apart agree; a recording copied slowly over a minute is taken
once, after the copy ends. Watchers miss events (network shares, overflowing inotify queues,
files that were there before the daemon started), so the inbox is also scanned at start-up and
every ``rescan_interval`` seconds. Subfolders are watched too.

Nothing here opens a file: readings are ``stat`` calls. A FIFO, a socket or a symbolic link
named like a recording is handed on like a folder named ``x.wav`` is, so that the pipeline can
refuse it (``files.check_regular``) and file it in the failed folder with the reason, instead of
leaving it in the inbox unexplained; a link that points nowhere is read with ``lstat`` for that.
Names are logged through ``files.display_name`` (issue 8).
"""

from __future__ import annotations

import fnmatch
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)

from daemon.config import Settings
from daemon.files import display_name

log = logging.getLogger("daemon.watch")

# watchdog (7.x) warns from its inotify thread when a folder and its subfolder are created in
# quick succession ("Callback with id ... already exists ... It will be Overwritten") and then
# does the right thing; the warning only adds noise to a daemon's log.
warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning)


class _ShutdownRaceToDebug(logging.Filter):
    """Turn watchdog's "queue_events() called when the thread is inactive" into a DEBUG record.

    watchdog (7.x) stops an inotify emitter by clearing its watch group while the emitter
    thread may hold an event it has just read; the thread then logs that ERROR and drops the
    event. It can only happen after ``stop()`` was called, and an event that arrives then would
    be ignored anyway: nothing is lost. Asking inotify only for the events we use (``_EVENTS``)
    removed the common cause (our own start-up scan); what is left is a file written in the
    very moment of the stop, and that is logged at DEBUG instead.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and "called when the thread is inactive" in str(
            record.msg
        ):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


logging.getLogger("watchdog.observers.inotify").addFilter(_ShutdownRaceToDebug())

Reading = tuple[int, int]

# The events the tracker needs. Asking inotify for these only (no IN_OPEN, IN_CLOSE_NOWRITE)
# matters at shutdown too: the start-up scan and the pipeline reading a recording open files and
# folders in the inbox, and every such event still in flight when the observer stops made
# watchdog log "queue_events() called when the thread is inactive" (issue 8).
_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent, DirCreatedEvent, FileModifiedEvent, FileClosedEvent,
    FileMovedEvent, DirMovedEvent, FileDeletedEvent, DirDeletedEvent,
]  # fmt: skip


@dataclass(frozen=True)
class InboxFilter:
    """Which paths in the inbox are recordings to take (a folder named ``x.wav`` is, to fail it)."""

    inbox: Path
    extensions: frozenset[str]
    ignore: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> InboxFilter:
        return cls(settings.inbox, frozenset(settings.extensions), tuple(settings.ignore))

    def __call__(self, path: Path) -> bool:
        try:
            relative = path.relative_to(self.inbox)
        except ValueError:
            return False
        parts = relative.parts
        if not parts or any(self.ignored(part) for part in parts):
            return False
        return path.suffix.lower().lstrip(".") in self.extensions

    def ignored(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.ignore)


def _reading(path: Path) -> Reading | None:
    try:
        info = os.stat(path)
    except OSError:
        try:  # a dangling symbolic link is still there, to be failed with its reason
            info = os.lstat(path)
        except OSError:
            return None
    return info.st_size, info.st_mtime_ns


class StabilityTracker:
    """Paths seen recently, each with the time of its last event and its last reading."""

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.delay = delay
        self.clock = clock
        self._lock = threading.Lock()
        self._last_event: dict[Path, float] = {}
        self._reading: dict[Path, Reading | None] = {}

    def touch(self, path: Path) -> None:
        """Something happened to ``path``: restart its quiet period."""
        with self._lock:
            self._last_event[path] = self.clock()
            self._reading.setdefault(path, None)

    def forget(self, path: Path) -> None:
        with self._lock:
            self._last_event.pop(path, None)
            self._reading.pop(path, None)

    def __len__(self) -> int:
        return len(self._last_event)

    def stable(self) -> list[Path]:
        """Pop and return the paths that have been quiet and unchanged for the delay."""
        now = self.clock()
        ready: list[Path] = []
        with self._lock:
            for path, last in list(self._last_event.items()):
                if now - last < self.delay:
                    continue
                reading = _reading(path)
                if reading is None:  # deleted or moved away before it settled
                    self._forget_locked(path)
                elif reading == self._reading[path]:
                    self._forget_locked(path)
                    ready.append(path)
                else:
                    # Changed, or first reading: take another after one more delay.
                    self._reading[path] = reading
                    self._last_event[path] = now
        return ready

    def _forget_locked(self, path: Path) -> None:
        del self._last_event[path]
        del self._reading[path]


class _Handler(FileSystemEventHandler):
    def __init__(self, accept: InboxFilter, tracker: StabilityTracker) -> None:
        self.accept = accept
        self.tracker = tracker

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = Path(os.fsdecode(raw))
            if event.event_type == "deleted" or (
                event.event_type == "moved" and raw == event.src_path
            ):
                self.tracker.forget(path)
            elif self.accept(path):
                self.tracker.touch(path)
            # A folder moved or copied in brings files that produce no events of their own.
            if event.is_directory and event.event_type in ("created", "moved") and path.is_dir():
                for inner in scan(path, self.accept):
                    self.tracker.touch(inner)


def scan(folder: Path, accept: InboxFilter) -> Iterator[Path]:
    """Every candidate under ``folder``, folders named like audio included, in name order."""
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        base = Path(root)
        for name in sorted(files) + [d for d in dirs if accept(base / d)]:
            if accept(base / name):
                yield base / name
        dirs[:] = [d for d in dirs if not accept(base / d) and not accept.ignored(d)]


class InboxWatcher:
    """Observer + stability tracker + periodic rescan; ``on_stable`` gets each settled file."""

    def __init__(self, settings: Settings, on_stable: Callable[[Path], None]) -> None:
        self.settings = settings
        self.on_stable = on_stable
        self.accept = InboxFilter.from_settings(settings)
        self.tracker = StabilityTracker(settings.stability_delay)
        self.observer: object | None = None
        self.kind = "none"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.settings.inbox.mkdir(parents=True, exist_ok=True)
        self.observer, self.kind = self._start_observer()
        self.rescan()
        self._thread = threading.Thread(target=self._loop, name="minutes-stability", daemon=True)
        self._thread.start()

    def _start_observer(self) -> tuple[object, str]:
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        handler = _Handler(self.accept, self.tracker)
        inbox = str(self.settings.inbox)
        if not self.settings.polling:
            native = Observer()
            try:
                native.schedule(handler, inbox, recursive=True, event_filter=_EVENTS)
                native.start()
                log.info("watching %s (native events)", display_name(inbox))
                return native, "native"
            except OSError as exc:
                log.warning("native file events unavailable (%s); polling instead", exc)
        polling = PollingObserver(timeout=self.settings.polling_interval)
        polling.schedule(handler, inbox, recursive=True, event_filter=_EVENTS)
        polling.start()
        log.info(
            "watching %s (polling every %.1f s)",
            display_name(inbox),
            self.settings.polling_interval,
        )
        return polling, "polling"

    def rescan(self) -> int:
        found = 0
        for path in scan(self.settings.inbox, self.accept):
            self.tracker.touch(path)
            found += 1
        return found

    def _loop(self) -> None:
        tick = min(0.5, max(self.settings.stability_delay / 4, 0.05))
        next_rescan = time.monotonic() + self.settings.rescan_interval
        while not self._stop.wait(tick):
            for path in self.tracker.stable():
                log.debug("%s is stable; handing it on", display_name(path))
                self.on_stable(path)
            if time.monotonic() >= next_rescan:
                self.rescan()
                next_rescan = time.monotonic() + self.settings.rescan_interval

    def stop(self) -> None:
        # The stability loop first, so that nothing is rescanned or handed on while the
        # observer is being taken down.
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        observer = self.observer
        if observer is not None:
            observer.stop()  # type: ignore[attr-defined]
            observer.join(timeout=5)  # type: ignore[attr-defined]

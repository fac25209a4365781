"""What ``minutes status`` shows about the Celery executor: workers seen, chunks in flight.

The daemon owns this knowledge, so it writes it: ``executor.json`` in ``state_dir``, replaced
atomically whenever a chunk is sent or comes back. Workers announce themselves in Redis with a
heartbeat key that expires (``cli_worker``), and the daemon copies the live ones into the
snapshot. ``minutes status`` reads the file and needs neither the broker nor its password; it
says how old the snapshot is, so a stopped daemon's last word is not taken for the present.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from daemon.executor import wire

if TYPE_CHECKING:
    import redis

log = logging.getLogger("daemon.executor.snapshot")

FILE_NAME = "executor.json"


class Snapshot:
    def __init__(self, path: Path, queue: str, broker: str) -> None:
        self.path = path
        self.queue = queue
        self.broker = broker
        self._in_flight: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def started(self, task: str, index: int, sha256: str) -> None:
        with self._lock:
            self._in_flight[task] = {"recording": sha256[:12], "chunk": index, "since": _now()}

    def finished(self, task: str) -> None:
        with self._lock:
            self._in_flight.pop(task, None)

    def write(self, client: redis.Redis | None) -> None:
        workers = _workers(client, self.queue) if client is not None else []
        with self._lock:
            document = {
                "updated": _now(),
                "broker": self.broker,
                "queue": self.queue,
                "workers": workers,
                "in_flight": sorted(self._in_flight.values(), key=lambda c: int(c["chunk"])),
            }
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                temporary = self.path.with_suffix(".tmp")
                temporary.write_text(json.dumps(document, indent=1), encoding="utf-8")
                temporary.replace(self.path)
            except OSError as exc:
                log.warning("could not write %s: %s", self.path, exc)


def _workers(client: redis.Redis, queue: str) -> list[dict[str, Any]]:
    try:
        keys = sorted(client.scan_iter(match=wire.worker_key(queue, "*"), count=100))
        values = client.mget(keys) if keys else []
    except Exception as exc:  # the status is best effort; the chunks themselves say more
        log.debug("workers unknown: %s", exc)
        return []
    return [json.loads(v) for v in values if v is not None]


def read(state_dir: Path) -> dict[str, Any] | None:
    """The last snapshot the daemon wrote, or None when it never ran with the Celery executor."""
    try:
        data: dict[str, Any] = json.loads((state_dir / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def lines(state_dir: Path) -> list[str]:
    """Human-readable lines for ``minutes status``; none without a snapshot."""
    data = read(state_dir)
    if data is None:
        return []
    updated = datetime.fromisoformat(str(data["updated"]))
    age = (datetime.now(timezone.utc) - updated).total_seconds()
    workers = data.get("workers", [])
    names = ", ".join(
        f"{w['name']} ({w.get('device', '?')}, {w.get('done', 0)} chunks)" for w in workers
    )
    in_flight = data.get("in_flight", [])
    chunks = ", ".join(f"{c['recording']}#{c['chunk']}" for c in in_flight)
    return [
        f"executor: celery, queue {data['queue']} on {data['broker']} (as of {age:.0f} s ago)",
        f"workers seen: {len(workers)}" + (f": {names}" if names else ""),
        f"chunks in flight: {len(in_flight)}" + (f": {chunks}" if chunks else ""),
    ]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def heartbeat(client: redis.Redis, queue: str, info: dict[str, Any], ttl_s: float) -> None:
    client.set(
        wire.worker_key(queue, str(info["name"])),
        json.dumps({**info, "seen": _now(), "at": time.time()}),
        ex=max(1, int(ttl_s)),
    )

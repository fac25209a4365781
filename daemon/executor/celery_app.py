"""The Celery executor, daemon side: each chunk becomes a task; results come back as they finish.

``CeleryTranscriber`` stands in for the configured transcriber inside the one chunk loop
(``daemon.transcribe.chunks``): its ``concurrency`` is ``executor.max_in_flight``, so that many
chunks of the recording are on the queue at once, and each result is checkpointed in the ledger
by the loop the moment it arrives, as on the concurrent OpenAI path. The daemon still splits,
merges, diarizes, summarizes and renders; workers only turn chunks into chunk transcripts.

Crash safety. A task's id is its key (recording SHA-256, plan key, chunk index). Before sending,
the daemon looks for the chunk's stored result and for its "sent" marker: a daemon restarted
mid-recording waits for the tasks its predecessor sent (its finished chunks are in the ledger and
are not asked for at all) instead of sending them twice. Tasks are acknowledged late, so a worker
killed mid-chunk leaves its task unacknowledged and Redis gives it to another worker once the
visibility timeout (``task_timeout`` + 10 s) has passed. Results are read once per chunk, and a
chunk already in the ledger is never asked for again, so a late duplicate is never read.

A broker that cannot be reached is ``BrokerUnavailable``: the recording stays queued and is tried
again a minute later; nothing is marked failed.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from daemon.errors import BrokerUnavailable, ConfigError, Interrupted, TranscriptionError
from daemon.executor import codec, wire
from daemon.executor.broker import (
    TASK_NAME,
    create_app,
    display_url,
    message_lifetime,
    redis_client,
)
from daemon.executor.snapshot import Snapshot
from daemon.models import Chunk, ChunkTranscript, Provenance
from daemon.sections_ops import ExecutorSettings
from daemon.transcribe import Transcriber

if TYPE_CHECKING:
    import redis
    from celery import Celery  # type: ignore[import-untyped]

log = logging.getLogger("daemon.executor.celery_app")

# How long a recording waits before it tries a broker that could not be reached again.
BROKER_RETRY_S = 60.0
# How often a waiting chunk looks at the stop request and its deadline.
_WAIT_SLICE_S = 1


@dataclass
class _Scope:
    """The recording whose chunks are being sent, and the tasks sent for it."""

    sha256: str
    plan_key: str
    tasks: set[str] = field(default_factory=set)


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "minutes_executor_scope", default=None
)


class CeleryExecutor:
    name = "celery"
    carries_previous_text = False

    def __init__(
        self, settings: ExecutorSettings, snapshot: Snapshot, stop: threading.Event
    ) -> None:
        if not settings.broker_url:
            raise ConfigError(
                "executor.name = 'celery' needs executor.broker_url (redis://host:6379/0)",
                key="executor.broker_url",
            )
        self.settings = settings
        self.snapshot = snapshot
        self.stop = stop
        self._app: Celery | None = None
        self._redis: redis.Redis | None = None
        self._lock = threading.Lock()

    def wrap(self, transcriber: Transcriber, *, embed: bool) -> Transcriber:
        return CeleryTranscriber(transcriber, self, embed=embed)

    @contextmanager
    def recording(self, sha256: str, plan_key: str) -> Iterator[None]:
        scope = _Scope(sha256, plan_key)
        token = _scope.set(scope)
        try:
            yield
        finally:
            _scope.reset(token)
        # Only reached when every chunk is in the ledger: the results and markers can go. After
        # a failure or a stop they stay, so that the next attempt finds them.
        self._forget(scope.tasks)

    # The broker ---------------------------------------------------------------------------

    def app(self) -> Celery:
        with self._lock:
            if self._app is None:
                self._app = create_app(self.settings)
            return self._app

    def redis(self) -> redis.Redis:
        with self._lock:
            if self._redis is None:
                self._redis = redis_client(self.settings)
            return self._redis

    def check(self) -> None:
        """Raise ``BrokerUnavailable`` unless the broker answers now."""
        try:
            self.redis().ping()
        except Exception as exc:
            raise self.unavailable(exc) from exc

    def unavailable(self, exc: BaseException) -> BrokerUnavailable:
        return BrokerUnavailable(
            display_url(self.settings),
            f"cannot be reached ({type(exc).__name__}: {exc}); the recording waits",
            until=time.time() + BROKER_RETRY_S,
        )

    def _forget(self, tasks: set[str]) -> None:
        if not tasks:
            return
        queue = self.settings.queue
        keys = [
            k(queue, t) for t in tasks for k in (wire.result_key, wire.sent_key, wire.ready_key)
        ]
        try:
            self.redis().delete(*keys)
        except Exception as exc:  # they expire anyway
            log.warning("could not delete %d finished tasks' keys: %s", len(tasks), exc)


class CeleryTranscriber:
    """The configured transcriber's chunks, transcribed by workers through the broker."""

    def __init__(self, inner: Transcriber, executor: CeleryExecutor, *, embed: bool) -> None:
        self.inner = inner
        self.executor = executor
        self.embed = embed
        self.name = inner.name
        self.settings = executor.settings
        self._send_lock = threading.Lock()

    @property
    def concurrency(self) -> int:
        return self.settings.max_in_flight

    @property
    def max_chunk_seconds(self) -> float | None:
        return self.inner.max_chunk_seconds

    @property
    def word_times(self) -> bool:
        return self.inner.word_times

    def release(self) -> None:
        self.inner.release()

    def load(self) -> None:
        """Check the broker now; a broker that is down is reported, and recordings wait."""
        try:
            self.executor.check()
        except BrokerUnavailable as exc:
            log.error("%s", exc.message)
            return
        self.executor.snapshot.write(self.executor.redis())
        log.info(
            "executor celery: broker %s, queue %s", display_url(self.settings), self.settings.queue
        )

    def provenance(self) -> Provenance:
        plan = wire.portable_plan(self.inner.provenance())
        return Provenance(plan["backend"], plan["model"], {**plan["options"], "executor": "celery"})

    def transcribe(
        self, chunk: Chunk, *, language: str | None, prompt: str, words: bool = False
    ) -> ChunkTranscript:
        scope = _scope.get()
        if scope is None:
            raise TranscriptionError("celery", "chunk sent outside a recording's scope")
        task = wire.task_id(scope.sha256, scope.plan_key, chunk.index)
        scope.tasks.add(task)
        snapshot = self.executor.snapshot
        snapshot.started(task, chunk.index, scope.sha256)
        try:
            client = self.executor.redis()
            deadline = self._send_once(client, task, chunk, language, prompt, words)
            result = self._wait(client, task, deadline)
        except (BrokerUnavailable, Interrupted, TranscriptionError):
            raise
        except Exception as exc:
            if _is_connection_error(exc):
                raise self.executor.unavailable(exc) from exc
            raise
        finally:
            snapshot.finished(task)
            snapshot.write(self.executor._redis)
        if not result.ok or result.chunk is None:
            raise TranscriptionError(
                "celery", f"chunk {chunk.index} on {result.worker}: {result.error}"
            )
        log.debug("chunk %d transcribed by %s", chunk.index, result.worker)
        return wire.chunk_from_json(result.chunk)

    def _send_once(
        self,
        client: redis.Redis,
        task: str,
        chunk: Chunk,
        language: str | None,
        prompt: str,
        words: bool,
    ) -> float:
        """Send the chunk unless it was sent before and is still alive; return its deadline."""
        queue = self.settings.queue
        lifetime = message_lifetime(self.settings)
        sent = client.get(wire.sent_key(queue, task))
        if sent is not None:
            log.info("chunk %d was sent before this start; waiting for it", chunk.index)
            return float(sent) + lifetime
        if client.exists(wire.result_key(queue, task)):
            return time.time() + lifetime
        payload = wire.ChunkTask(
            id=task,
            index=chunk.index,
            start=chunk.start,
            end=chunk.end,
            overlap=chunk.overlap,
            codec=self.settings.codec,
            audio=codec.to_text(
                codec.encode(chunk.samples, self.settings.codec, self.settings.opus_kbps)
            ),
            language=language,
            prompt=prompt,
            words=words,
            embed=self.embed,
            plan=wire.portable_plan(self.inner.provenance()),
        )
        now = time.time()
        with self._send_lock:
            self.executor.app().send_task(
                TASK_NAME,
                args=[payload.model_dump(mode="json")],
                task_id=task,
                queue=queue,
                # A task still on the queue after this is dropped by the worker unread.
                expires=lifetime,
                serializer="json",
                retry=False,
            )
        client.set(wire.sent_key(queue, task), repr(now), ex=max(1, int(lifetime)))
        return now + lifetime

    def _wait(self, client: redis.Redis, task: str, deadline: float) -> wire.ChunkResult:
        queue = self.settings.queue
        while True:
            stored = client.get(wire.result_key(queue, task))
            if stored is not None:
                return wire.ChunkResult.model_validate_json(stored)
            if self.executor.stop.is_set():
                raise Interrupted("stopped; the chunks on the workers are collected on restart")
            if time.time() > deadline:
                raise BrokerUnavailable(
                    display_url(self.settings),
                    f"no worker on queue {queue!r} finished a chunk within "
                    f"{message_lifetime(self.settings):.0f} s; the recording waits",
                    until=time.time() + BROKER_RETRY_S,
                )
            client.blpop([wire.ready_key(queue, task)], timeout=_WAIT_SLICE_S)


def _is_connection_error(exc: BaseException) -> bool:
    import redis
    from kombu.exceptions import OperationalError

    return isinstance(exc, (redis.ConnectionError, redis.TimeoutError, OperationalError, OSError))

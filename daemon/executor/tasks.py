"""The one task a worker serves: transcribe this chunk (and embed its voices when asked).

The worker loads its transcriber, and the diarizer's embedding model, once per process
(``WorkerRuntime``) and keeps them for every task. A task's result is not Celery's return
value: it is stored under the task's key in Redis (``wire.result_key``), with the same expiry as
the task, and the daemon is woken by a push to ``wire.ready_key``. The return value, which
Celery logs at INFO for every finished task, only says which chunk it was and how long it took,
so no transcript text reaches the worker's log.

A chunk whose result is already stored (a redelivery after the first worker finished it but
died before acknowledging) is not transcribed again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from daemon.errors import MinutesError
from daemon.executor import codec, wire
from daemon.executor.broker import TASK_NAME
from daemon.models import Chunk
from daemon.transcribe import Transcriber

if TYPE_CHECKING:
    import redis
    from celery import Celery  # type: ignore[import-untyped]

log = logging.getLogger("daemon.executor.tasks")


@dataclass
class WorkerRuntime:
    """What one worker process holds for all its tasks."""

    name: str
    queue: str
    transcriber: Transcriber
    """The plain transcriber, for recordings without a diarizer."""
    embedding: Transcriber | None
    """The same model with the diarizer's voice embeddings, when this worker has a diarizer."""
    results: redis.Redis
    lifetime: float
    done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def plans(self) -> dict[bool, dict[str, Any]]:
        plans = {False: wire.portable_plan(self.transcriber.provenance())}
        if self.embedding is not None:
            plans[True] = wire.portable_plan(self.embedding.provenance())
        return plans


def register(app: Celery, runtime: WorkerRuntime) -> None:
    """Register the chunk task on ``app``, served with ``runtime``'s models."""

    @app.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True, ignore_result=True)  # type: ignore[untyped-decorator]
    def transcribe_chunk(payload: dict[str, Any]) -> dict[str, Any]:
        return serve(runtime, payload)


def serve(runtime: WorkerRuntime, payload: dict[str, Any]) -> dict[str, Any]:
    task = wire.ChunkTask.model_validate(payload)
    key = wire.result_key(runtime.queue, task.id)
    if runtime.results.exists(key):
        return {"chunk": task.index, "duplicate": True}
    try:
        summary = _transcribe(runtime, task)
    except MinutesError as exc:
        _publish(
            runtime, wire.ChunkResult(id=task.id, worker=runtime.name, ok=False, error=exc.message)
        )
        raise RuntimeError(exc.message) from exc
    with runtime.lock:
        runtime.done += 1
    return summary


def _transcribe(runtime: WorkerRuntime, task: wire.ChunkTask) -> dict[str, Any]:
    transcriber = runtime.embedding if task.embed else runtime.transcriber
    if transcriber is None:
        raise MinutesError(f"worker {runtime.name} has no diarizer, and the recording needs one")
    mine = runtime.plans()[task.embed]
    if mine != task.plan:
        raise MinutesError(
            f"worker {runtime.name} transcribes with {_describe(mine)}, the daemon's plan is "
            f"{_describe(task.plan)}: give both the same [transcriber] and [diarizer] settings"
        )
    started = time.monotonic()
    samples = codec.decode(codec.from_text(task.audio))
    chunk = Chunk(task.index, task.start, task.end, task.overlap, samples)
    result = transcriber.transcribe(
        chunk, language=task.language, prompt=task.prompt, words=task.words
    )
    _publish(
        runtime,
        wire.ChunkResult(
            id=task.id, worker=runtime.name, ok=True, chunk=wire.chunk_to_json(result)
        ),
    )
    return {
        "chunk": task.index,
        "audio_s": round(task.end - task.start, 1),
        "segments": len(result.segments),
        "compute_s": round(time.monotonic() - started, 2),
    }


def _publish(runtime: WorkerRuntime, result: wire.ChunkResult) -> None:
    ttl = max(1, int(runtime.lifetime))
    ready = wire.ready_key(runtime.queue, result.id)
    with runtime.results.pipeline() as pipe:
        pipe.set(wire.result_key(runtime.queue, result.id), result.model_dump_json(), ex=ttl)
        pipe.rpush(ready, "1")
        pipe.expire(ready, ttl)
        pipe.execute()


def _describe(plan: dict[str, Any]) -> str:
    return json.dumps(plan, sort_keys=True)

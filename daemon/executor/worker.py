"""``minutes worker``: a Celery worker that serves chunk tasks with models loaded once.

It is Celery's own worker (``celery worker`` machinery: the consumer, acknowledgements, the
visibility-timeout redelivery), started in this process with the threads pool, so the models
loaded here before it starts are shared by all its ``executor.concurrency`` threads: one load
per process. The transcriber and diarizer settings are this machine's own (``device = "cuda"``,
``compute_type``, ``cpu_threads``), but what changes the words (model, beam size, VAD, the
diarizer's identity) must match the daemon's, and a chunk whose plan differs is refused.

A heartbeat key in Redis (expiring after 30 s) tells the daemon, and ``minutes status``, which
workers are alive and how many chunks each has done.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from daemon.config import Settings
from daemon.diarize import create_diarizer
from daemon.diarize.voices import EmbeddingTranscriber
from daemon.errors import ConfigError
from daemon.executor.broker import create_app, display_url, message_lifetime, redis_client
from daemon.executor.snapshot import heartbeat
from daemon.executor.tasks import WorkerRuntime, register
from daemon.transcribe import Transcriber, create_transcriber

log = logging.getLogger("daemon.executor.worker")

HEARTBEAT_S = 10.0


def run_worker(settings: Settings, name: str | None = None) -> None:
    """Load the models, then serve chunk tasks until Celery's worker is stopped (SIGTERM)."""
    executor = settings.executor
    if settings.transcriber.name != "local":
        raise ConfigError(
            "minutes worker transcribes with the local model; set transcriber.name = 'local'",
            key="transcriber.name",
        )
    name = name or f"minutes-{os.getpid()}@{socket.gethostname()}"
    runtime = _runtime(settings, name)
    app = create_app(executor)
    register(app, runtime)
    stop = threading.Event()
    beat = threading.Thread(
        target=_beat, args=(runtime, settings, stop), name="heartbeat", daemon=True
    )
    beat.start()
    log.info(
        "worker %s: queue %s on %s, %d at a time",
        name,
        executor.queue,
        display_url(executor),
        executor.concurrency,
    )
    try:
        app.worker_main(
            argv=[
                "worker",
                "--pool=threads",
                f"--concurrency={executor.concurrency}",
                f"--queues={executor.queue}",
                f"--hostname={name}",
                f"--loglevel={settings.log_level}",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ]
        )
    finally:
        stop.set()


def _runtime(settings: Settings, name: str) -> WorkerRuntime:
    transcriber: Transcriber = create_transcriber(settings.transcriber)
    transcriber.load()
    embedding: Transcriber | None = None
    if settings.diarizer.name != "none":
        diarizer = create_diarizer(settings.diarizer.name, settings.diarizer.threads)
        embedding = EmbeddingTranscriber(transcriber, diarizer)
        diarizer.load()
    return WorkerRuntime(
        name=name,
        queue=settings.executor.queue,
        transcriber=transcriber,
        embedding=embedding,
        results=redis_client(settings.executor),
        lifetime=message_lifetime(settings.executor),
    )


def _beat(runtime: WorkerRuntime, settings: Settings, stop: threading.Event) -> None:
    info: dict[str, Any] = {
        "name": runtime.name,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "concurrency": settings.executor.concurrency,
        "model": settings.transcriber.model,
        "device": settings.transcriber.device,
        "compute_type": settings.transcriber.compute_type,
        "started": time.time(),
    }
    while True:
        try:
            with runtime.lock:
                done = runtime.done
            heartbeat(runtime.results, runtime.queue, {**info, "done": done}, 3 * HEARTBEAT_S)
        except Exception as exc:  # the broker may be away for a while; Celery says so too
            log.debug("heartbeat failed: %s", exc)
        if stop.wait(HEARTBEAT_S):
            return

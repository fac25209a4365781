"""Where a recording's chunks are transcribed, chosen by ``executor.name``.

``local`` (the default) transcribes them in the daemon; ``celery`` sends each chunk, as
compressed audio in a JSON task, to ``minutes worker`` processes on any number of machines
through a Redis broker (issue 12). Either way the daemon alone owns the inbox, the ledger and the
reports: it splits, checkpoints every chunk as it comes back, merges, diarizes, summarizes and
renders.

What an executor can do is declared in the Protocol: ``carries_previous_text``, whether a
chunk's prompt may carry the previous chunk's last words (only when chunks are done one after
another, in order); ``wrap(transcriber, embed=...)``, the transcriber the chunk loop runs chunks
through (``embed``: the diarizer's voice embeddings come with each chunk); ``recording(sha256,
plan_key)``, the scope in which one recording's chunks are sent, which keys their tasks.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Protocol

from daemon.config import Settings
from daemon.errors import ConfigError
from daemon.transcribe import Transcriber


class Executor(Protocol):
    name: str
    carries_previous_text: bool

    def wrap(self, transcriber: Transcriber, *, embed: bool) -> Transcriber: ...

    def recording(self, sha256: str, plan_key: str) -> AbstractContextManager[None]: ...


def create_executor(settings: Settings, stop: threading.Event) -> Executor:
    executor = settings.executor
    if executor.name == "local":
        from daemon.executor.local import LocalExecutor

        return LocalExecutor(carry_prompt=executor.carry_prompt)
    if executor.name == "celery":
        from daemon.executor.broker import display_url
        from daemon.executor.celery_app import CeleryExecutor
        from daemon.executor.snapshot import FILE_NAME, Snapshot

        snapshot = Snapshot(settings.state_dir / FILE_NAME, executor.queue, display_url(executor))
        return CeleryExecutor(executor, snapshot, stop)
    raise ConfigError(f"unknown executor {executor.name!r}", key="executor.name")

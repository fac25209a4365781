"""The local executor: chunks are transcribed in the daemon's own process (the default)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from daemon.transcribe import Transcriber


class LocalExecutor:
    name = "local"

    def __init__(self, carry_prompt: bool = True) -> None:
        # One chunk at a time, so the previous chunk's words are always there to carry; false
        # gives every chunk the prompt a Celery worker gets (the hint alone).
        self.carries_previous_text = carry_prompt

    def wrap(self, transcriber: Transcriber, *, embed: bool) -> Transcriber:
        return transcriber

    @contextmanager
    def recording(self, sha256: str, plan_key: str) -> Iterator[None]:
        yield

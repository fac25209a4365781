"""Transcription backends, chosen by name from the settings.

A backend turns one ``Chunk`` into a ``ChunkTranscript`` whose segment times are absolute (seconds
from the start of the recording). Heavy imports happen inside each backend's module.
"""

from __future__ import annotations

from typing import Protocol

from daemon.config import TranscriberSettings
from daemon.errors import ConfigError
from daemon.models import Chunk, ChunkTranscript, Provenance


class Transcriber(Protocol):
    name: str

    def provenance(self) -> Provenance:
        """The backend, model and options that make this transcriber's output what it is."""
        ...

    def transcribe(self, chunk: Chunk, *, language: str | None, prompt: str) -> ChunkTranscript:
        """Transcribe one chunk. ``language`` None means detect; ``prompt`` primes the model."""
        ...


def create_transcriber(settings: TranscriberSettings) -> Transcriber:
    if settings.name == "local":
        from daemon.transcribe.local import LocalTranscriber

        return LocalTranscriber(settings)
    raise ConfigError(f"unknown transcriber {settings.name!r}", key="transcriber.name")

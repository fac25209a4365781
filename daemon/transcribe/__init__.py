"""Transcription backends, chosen by name from the settings.

A backend turns one ``Chunk`` into a ``ChunkTranscript`` whose segment times are absolute (seconds
from the start of the recording). Heavy imports happen inside each backend's module.

Two optional attributes change how the pipeline drives a backend: ``concurrency`` (default 1),
how many chunks of one recording it may be given at once from worker threads, and
``max_chunk_seconds`` (default none), the longest chunk it takes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from daemon.config import TranscriberSettings
from daemon.errors import ConfigError
from daemon.models import Chunk, ChunkTranscript, Provenance

if TYPE_CHECKING:
    from daemon.api.client import ApiClient


class Transcriber(Protocol):
    name: str

    def provenance(self) -> Provenance:
        """The backend, model and options that make this transcriber's output what it is."""
        ...

    def transcribe(self, chunk: Chunk, *, language: str | None, prompt: str) -> ChunkTranscript:
        """Transcribe one chunk. ``language`` None means detect; ``prompt`` primes the model."""
        ...


def create_transcriber(settings: TranscriberSettings, api: ApiClient | None = None) -> Transcriber:
    """The configured backend; remote ones need ``api``, the client for ``[openai]``."""
    if settings.name == "local":
        from daemon.transcribe.local import LocalTranscriber

        return LocalTranscriber(settings)
    if settings.name == "openai":
        if api is None:
            raise ConfigError("the openai transcriber needs an API client", key="transcriber.name")
        from daemon.transcribe.openai import OpenAITranscriber

        return OpenAITranscriber(settings, api)
    raise ConfigError(f"unknown transcriber {settings.name!r}", key="transcriber.name")

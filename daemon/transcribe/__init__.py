"""Transcription backends, chosen by name from the settings.

A backend turns one ``Chunk`` into a ``ChunkTranscript`` whose segment times are absolute (seconds
from the start of the recording). Heavy imports happen inside each backend's module.

What a backend can do is declared here, in the Protocol, and read by the pipeline as it is
written: ``concurrency``, how many chunks of one recording it may be given at once from worker
threads (1 for a local model that already uses every core); ``max_chunk_seconds``, the longest
chunk it takes (None: any); ``load()``, which loads a model up front so that an unusable one
fails at start-up rather than at the first recording (a no-op for remote backends);
``word_times``, whether ``transcribe(..., words=True)`` gives every segment its words with times
(the diarizer assigns speakers per word when it can, per segment otherwise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from daemon.errors import ConfigError
from daemon.models import Chunk, ChunkTranscript, Provenance
from daemon.sections import TranscriberSettings

if TYPE_CHECKING:
    from daemon.api.client import ApiClient


class Transcriber(Protocol):
    name: str

    @property
    def concurrency(self) -> int:
        """How many chunks of one recording may be in flight at once."""
        ...

    @property
    def max_chunk_seconds(self) -> float | None:
        """The longest chunk this backend takes, or None for no limit."""
        ...

    @property
    def word_times(self) -> bool:
        """Whether segments can carry their words with times when asked (``words=True``)."""
        ...

    def load(self) -> None:
        """Make the backend ready now (load its model); raise ``ModelError`` if it cannot be."""
        ...

    def release(self) -> None:
        """Free the model's memory until a chunk needs it again (a recording's later stages
        do not, and they load models of their own)."""
        ...

    def provenance(self) -> Provenance:
        """The backend, model and options that make this transcriber's output what it is."""
        ...

    def transcribe(
        self, chunk: Chunk, *, language: str | None, prompt: str, words: bool = False
    ) -> ChunkTranscript:
        """Transcribe one chunk. ``language`` None means detect; ``prompt`` primes the model;
        ``words`` asks for word times (ignored by a backend whose ``word_times`` is False)."""
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

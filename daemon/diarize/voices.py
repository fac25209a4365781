"""Voice embeddings taken while each chunk is transcribed, and checkpointed with it.

Issue 9 asks that memory stay bounded by chunk size: a chunk's samples are in memory only while
it is transcribed, so that is when its voices are embedded. ``EmbeddingTranscriber`` wraps the
configured transcriber: it asks for word times, embeds the chunk after transcribing it, and
returns the chunk's result with the embeddings attached, which the chunk loop checkpoints in the
ledger as one row. A kill -9 therefore never costs a finished chunk's embeddings, and the
diarize stage later reads them back instead of decoding the audio again.

It runs inside the chunk loop's worker threads, so with a remote transcriber several chunks are
embedded while others are being uploaded; the embedding model itself is one thread. The model is
loaded for each chunk's embedding and let go after it, so it is never resident while Whisper
decodes (the two peaks would add up otherwise).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from daemon.diarize import Diarizer
from daemon.models import Chunk, ChunkTranscript, Provenance
from daemon.transcribe import Transcriber

log = logging.getLogger("daemon.diarize.voices")


class EmbeddingTranscriber:
    """The configured transcriber, with the diarizer's voice embeddings on every chunk."""

    def __init__(self, inner: Transcriber, diarizer: Diarizer) -> None:
        self.inner = inner
        self.diarizer = diarizer
        self.name = inner.name

    @property
    def concurrency(self) -> int:
        return self.inner.concurrency

    @property
    def max_chunk_seconds(self) -> float | None:
        return self.inner.max_chunk_seconds

    @property
    def word_times(self) -> bool:
        return self.inner.word_times

    def load(self) -> None:
        self.inner.load()
        self.diarizer.load()

    def release(self) -> None:
        self.inner.release()
        self.diarizer.release()

    def provenance(self) -> Provenance:
        inner = self.inner.provenance()
        # Part of the plan key: chunks made without words or embeddings are not reused.
        options = {
            **inner.options,
            "words": self.inner.word_times,
            "diarizer": self.diarizer.identity(),
        }
        return Provenance(inner.backend, inner.model, options)

    def transcribe(
        self, chunk: Chunk, *, language: str | None, prompt: str, words: bool = True
    ) -> ChunkTranscript:
        result = self.inner.transcribe(chunk, language=language, prompt=prompt, words=True)
        started = time.monotonic()
        embedded = self.diarizer.embed_chunk(chunk.samples, chunk.start)
        # The graph and onnxruntime's buffers (about 100 MB) would otherwise stay resident under
        # the next chunk's Whisper decoding, the run's peak; reloading costs 0.4 s a chunk.
        self.diarizer.release()
        log.debug(
            "chunk %d: %d voice windows in %.1f s",
            chunk.index,
            embedded.vectors.shape[0],
            time.monotonic() - started,
        )
        return replace(result, embeddings=embedded.to_bytes())

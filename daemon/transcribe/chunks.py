"""The one chunk loop: every backend's chunks go through it, one at a time or many at once.

Up to ``transcriber.concurrency`` chunks are in flight; each is checkpointed (``on_done``) the
moment it finishes, whatever the order. Concurrency 1 is the simplest case of the same loop:
the next chunk is only sent once the previous one is back, so its prompt always carries the
previous chunk's last words and the language detected on the first chunk. With more in flight
a chunk gets the previous chunk's words only when that chunk is already finished (always so
when resuming), because waiting for it would serialise the calls again.

After a failure or a stop no new chunk is sent, but those in flight are awaited and
checkpointed: they are paid for, in money or in CPU time.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from daemon.errors import Interrupted
from daemon.models import Chunk, ChunkTranscript
from daemon.transcribe import Transcriber

log = logging.getLogger("daemon.transcribe.chunks")

_PROMPT_TAIL_WORDS = 40


@dataclass(frozen=True)
class ChunkJob:
    """What the loop needs to know besides the chunks themselves."""

    done: dict[int, ChunkTranscript]
    """Chunks already checkpointed under this plan: never sent again."""
    language: str | None
    """The configured language, or None to take the first chunk's detection."""
    hint: str
    """The vocabulary hint that starts every prompt."""
    total_seconds: float
    carry_previous: bool = True
    """Whether a prompt may carry the previous chunk's last words. False (chunks transcribed on
    other machines at once) gives every chunk the hint alone, so the result does not depend on
    which chunk happened to finish first."""


def transcribe_chunks(
    transcriber: Transcriber,
    chunks: Iterable[Chunk],
    job: ChunkJob,
    *,
    on_done: Callable[[ChunkTranscript], None],
    stop: threading.Event,
    progress: Callable[[float, float], None] | None = None,
) -> list[ChunkTranscript]:
    """Transcribe every chunk not in ``job.done``; return all chunk results in order."""
    results = dict(job.done)
    language = job.language
    if language is None:
        # A chunk with no speech detected none (""): take the first that heard speech.
        language = next((results[i].language for i in sorted(results) if results[i].language), None)
    in_flight: dict[Future[ChunkTranscript], Chunk] = {}
    failure: BaseException | None = None
    finished = sum(r.end - r.start for r in results.values())
    limit = max(1, transcriber.concurrency)

    def collect(block: bool) -> None:
        nonlocal failure, finished, language
        if not in_flight:
            return
        ready, _ = wait(in_flight, timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in ready:
            chunk = in_flight.pop(future)
            try:
                result = future.result()
            except BaseException as exc:
                failure = failure or exc
                continue
            on_done(result)
            results[chunk.index] = result
            language = language or result.language
            finished += chunk.duration
            log.debug("chunk %d done in %.1f s", chunk.index, result.elapsed)
            if progress is not None:
                progress(min(finished, job.total_seconds), job.total_seconds)

    remaining = iter(chunks)
    exhausted = False
    with ThreadPoolExecutor(limit, thread_name_prefix="transcribe") as pool:
        while True:
            # Wait for room before decoding the next chunk, so that no more than ``limit``
            # chunks of audio are ever in memory.
            while len(in_flight) >= limit:
                collect(block=True)
            collect(block=False)
            if failure is not None or stop.is_set():
                break
            # Let go of the previous chunk's samples before the next chunk is decoded.
            chunk = None
            chunk = next(remaining, None)
            if chunk is None:
                exhausted = True
                break
            if chunk.index in results:
                continue
            before = results.get(chunk.index - 1) if job.carry_previous else None
            previous = " ".join(s.text for s in before.segments) if before else ""
            # Each task runs in a copy of this context: it carries the recording id for the
            # API client's call records.
            future = pool.submit(
                contextvars.copy_context().run,
                transcriber.transcribe,
                chunk,
                language=language,
                prompt=prompt_for(job.hint, previous),
            )
            in_flight[future] = chunk
        while in_flight:
            collect(block=True)
    if failure is not None:
        raise failure
    if not exhausted:
        raise Interrupted("stopped; unfinished chunks resume on restart")
    return [results[index] for index in sorted(results)]


def prompt_for(hint: str, previous: str) -> str:
    """The vocabulary hint, then the previous chunk's last words (Whisper's context)."""
    tail = " ".join(previous.split()[-_PROMPT_TAIL_WORDS:])
    return " ".join(part for part in (hint.strip(), tail) if part)

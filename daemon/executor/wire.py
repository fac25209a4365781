"""What travels through the broker: a chunk task, and a chunk's result, as plain JSON.

A task is keyed by (recording SHA-256, plan key, chunk index); the key is the Celery task id, so
a chunk sent again after a crash is the same task, and its result lands under the same key.
Times are sent at full float precision (JSON floats round-trip exactly), so a result merged in
the daemon is the very ``ChunkTranscript`` a local transcriber would have returned.

Both directions are validated with pydantic on arrival: a message on the queue is input from
whoever can reach the broker.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from daemon.models import ChunkTranscript, Provenance, Segment, Word


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())


def task_id(sha256: str, plan_key: str, index: int) -> str:
    return f"minutes-{sha256}-{plan_key}-{index}"


class ChunkTask(_Wire):
    """One chunk to transcribe, with everything a worker needs and nothing of the daemon's."""

    id: str
    index: int
    start: float
    end: float
    overlap: float
    codec: Literal["flac", "opus"]
    audio: str
    """The chunk's samples, compressed (``codec.py``), base64."""
    language: str | None
    prompt: str
    words: bool
    embed: bool
    """Whether the worker also embeds the chunk's voices (the daemon's diarizer is on)."""
    plan: dict[str, Any]
    """The backend, model and options the daemon's plan key was made from: a worker whose own
    differ refuses the chunk instead of mixing models in one transcript."""


class ChunkResult(_Wire):
    """A worker's answer: the chunk's transcript, or why it could not be made."""

    id: str
    worker: str
    ok: bool
    error: str = ""
    chunk: dict[str, Any] | None = None


def chunk_to_json(chunk: ChunkTranscript) -> dict[str, Any]:
    from daemon.executor.codec import to_text

    return {
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "overlap": chunk.overlap,
        "language": chunk.language,
        "elapsed": chunk.elapsed,
        "embeddings": to_text(chunk.embeddings),
        "segments": [
            {
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "confidence": s.confidence,
                "no_speech_prob": s.no_speech_prob,
                "words": [[w.start, w.end, w.text, w.probability] for w in s.words],
            }
            for s in chunk.segments
        ],
    }


def chunk_from_json(data: dict[str, Any]) -> ChunkTranscript:
    from daemon.executor.codec import from_text

    segments = tuple(
        Segment(
            start=float(s["start"]),
            end=float(s["end"]),
            text=str(s["text"]),
            confidence=float(s["confidence"]),
            no_speech_prob=float(s["no_speech_prob"]),
            words=tuple(Word(float(w[0]), float(w[1]), str(w[2]), float(w[3])) for w in s["words"]),
        )
        for s in data["segments"]
    )
    return ChunkTranscript(
        index=int(data["index"]),
        start=float(data["start"]),
        end=float(data["end"]),
        overlap=float(data["overlap"]),
        language=str(data["language"]),
        segments=segments,
        elapsed=float(data["elapsed"]),
        embeddings=from_text(str(data["embeddings"])),
    )


# The settings a worker machine chooses for itself: they change how fast a chunk is done, not
# what the model makes of it, so they are not part of the plan a worker must match.
WORKER_OWN_OPTIONS = ("device", "compute_type", "cpu_threads")


def portable_plan(provenance: Provenance) -> dict[str, Any]:
    """The part of a transcriber's provenance every worker serving a recording must share."""
    options = {k: v for k, v in provenance.options.items() if k not in WORKER_OWN_OPTIONS}
    return {"backend": provenance.backend, "model": provenance.model, "options": options}


def result_key(queue: str, task: str) -> str:
    return f"minutes:{queue}:result:{task}"


def ready_key(queue: str, task: str) -> str:
    """A list a worker pushes to when the result is stored: the daemon's wake-up call."""
    return f"minutes:{queue}:ready:{task}"


def sent_key(queue: str, task: str) -> str:
    """Set while a chunk task is in the broker: a restarted daemon waits for it, not resends."""
    return f"minutes:{queue}:sent:{task}"


def worker_key(queue: str, name: str) -> str:
    return f"minutes:{queue}:worker:{name}"

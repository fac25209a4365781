"""Stable speakers for a backend that diarizes each chunk on its own (gpt-4o-transcribe-diarize).

Such a backend labels the speakers of every chunk afresh: "A" in one chunk need not be "A" in
the next. Within a chunk its separation is trusted (two labels there are two people); across
chunks the labels are linked by voice: each chunk-local speaker's mean embedding (our CAM++
windows inside its segments) is matched to the recording's speakers found so far, one to one
within the chunk, best similarity first; one that matches none above ``threshold`` is a new
speaker. Chunks are taken in order, so the result is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from daemon.diarize import ChunkEmbeddings
from daemon.models import ChunkTranscript, Segment, Transcript

Vector = npt.NDArray[np.float32]

LINK_THRESHOLD = 0.5  # cosine between mean voice embeddings of one person, measured >= 0.6


def backend_labelled(transcript: Transcript) -> bool:
    """Whether the transcriber itself said who spoke, per chunk (a diarizing backend).

    Read from the provenance, not from the segments: a transcript this stage labelled before
    (then re-run with new hints or a new roster) has speakers on its segments too.
    """
    return transcript.provenance.options.get("response_format") == "diarized_json"


def link_chunk_labels(
    segments: Sequence[Segment],
    chunks: Sequence[ChunkTranscript],
    threshold: float = LINK_THRESHOLD,
) -> list[str | None]:
    """One recording-wide label ("G1", "G2", ...) per segment, from the per-chunk labels."""
    ordered = sorted(chunks, key=lambda c: c.index)
    embedded = {c.index: ChunkEmbeddings.from_bytes(c.embeddings) for c in ordered if c.embeddings}
    local = [(_chunk_of(s, ordered), s.speaker or "") for s in segments]
    centroids: list[Vector] = []  # the recording's speakers so far
    weights: list[float] = []
    mapping: dict[tuple[int, str], int] = {}
    for chunk in ordered:
        keys = sorted({key for key in local if key[0] == chunk.index and key[1]})
        voices = {
            key: _mean_voice(
                embedded.get(chunk.index),
                [s for s, k in zip(segments, local, strict=True) if k == key],
            )
            for key in keys
        }
        pairs = sorted(
            (float(vector @ centroids[g]), key, g)
            for key, vector in voices.items()
            if vector is not None
            for g in range(len(centroids))
        )
        used: set[int] = set()
        for similarity, key, g in reversed(pairs):
            if similarity < threshold:
                break
            vector = voices[key]
            if key in mapping or g in used or vector is None:
                continue
            mapping[key] = g
            used.add(g)
            centroids[g] = _unit(centroids[g] * weights[g] + vector)
            weights[g] += 1.0
        for key in keys:
            if key not in mapping:
                vector = voices[key]
                centroids.append(vector if vector is not None else np.zeros(192, np.float32))
                weights.append(1.0)
                mapping[key] = len(centroids) - 1
    return [f"G{mapping[key] + 1}" if key[1] else None for key in local]


def _chunk_of(segment: Segment, chunks: Sequence[ChunkTranscript]) -> int:
    middle = (segment.start + segment.end) / 2
    for chunk in chunks:
        if chunk.start <= middle < chunk.end:
            return chunk.index
    return chunks[-1].index if chunks else 0


def _mean_voice(embeddings: ChunkEmbeddings | None, segments: Sequence[Segment]) -> Vector | None:
    if embeddings is None or not segments:
        return None
    centres = (embeddings.starts + embeddings.ends) / 2
    inside = np.zeros(centres.size, dtype=bool)
    for segment in segments:
        inside |= (centres >= segment.start) & (centres <= segment.end)
    if not inside.any():
        return None
    return _unit(embeddings.vectors.reshape(-1, 192)[inside].sum(axis=0))


def _unit(vector: Vector) -> Vector:
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(np.float32)

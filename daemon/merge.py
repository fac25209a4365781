"""Merge chunk transcripts into one transcript with absolute times and paragraphs.

Chunks cut at a pause simply follow each other. A chunk cut inside speech starts ``overlap``
seconds early, so the words spoken in the overlap appear at the end of one chunk and the start of
the next; the longest run of words that ends the first and begins the second is dropped once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from daemon.models import ChunkTranscript, Paragraph, Provenance, Segment, Transcript

PARAGRAPH_GAP_S = 2.0
PARAGRAPH_MAX_S = 60.0
_MAX_OVERLAP_WORDS = 20
_WORD = re.compile(r"[\w']+")


def merge(chunks: Sequence[ChunkTranscript], duration: float, provenance: Provenance) -> Transcript:
    segments: list[Segment] = []
    for chunk in sorted(chunks, key=lambda c: c.index):
        incoming = list(chunk.segments)
        if chunk.overlap > 0 and segments and incoming:
            incoming = _drop_repeated_words(segments, incoming, chunk.start + chunk.overlap)
        segments.extend(incoming)
    # A chunk with no speech detects no language; the first one that heard speech says it.
    language = next((c.language for c in chunks if c.language), "unknown")
    return Transcript(
        segments=tuple(segments),
        paragraphs=paragraphs(segments),
        language=language,
        duration=duration,
        provenance=provenance,
    )


def _drop_repeated_words(
    before: list[Segment], incoming: list[Segment], overlap_end: float
) -> list[Segment]:
    """Remove from the head of ``incoming`` the words that the tail of ``before`` already has."""
    tail_words = " ".join(s.text for s in before[-3:]).split()
    head = [s for s in incoming if s.start < overlap_end]
    if not head:
        return incoming
    head_words = " ".join(s.text for s in head).split()
    repeated = _longest_repeat(tail_words, head_words)
    if repeated == 0:
        return incoming
    return _strip_leading_words(incoming, repeated)


def _longest_repeat(tail: list[str], head: list[str]) -> int:
    """The largest k such that the last k words of ``tail`` equal the first k of ``head``."""
    tail_keys = [_key(w) for w in tail]
    head_keys = [_key(w) for w in head]
    for k in range(min(len(tail_keys), len(head_keys), _MAX_OVERLAP_WORDS), 0, -1):
        if tail_keys[-k:] == head_keys[:k] and any(tail_keys[-k:]):
            return k
    return 0


def _key(word: str) -> str:
    return "".join(_WORD.findall(word.lower()))


def _strip_leading_words(segments: list[Segment], count: int) -> list[Segment]:
    result: list[Segment] = []
    for segment in segments:
        words = segment.text.split()
        if count >= len(words):
            count -= len(words)
            continue
        if count:
            kept = words[count:]
            share = len(kept) / len(words)
            start = segment.end - (segment.end - segment.start) * share
            segment = Segment(
                start, segment.end, " ".join(kept), segment.confidence, segment.no_speech_prob,
                segment.speaker,
            )  # fmt: skip
            count = 0
        result.append(segment)
    return result


def paragraphs(segments: Sequence[Segment]) -> tuple[Paragraph, ...]:
    """Group segments: a new paragraph after a long pause, a change of speaker, or a minute."""
    groups: list[list[Segment]] = []
    for segment in segments:
        if groups and not _starts_paragraph(groups[-1], segment):
            groups[-1].append(segment)
        else:
            groups.append([segment])
    return tuple(Paragraph(g[0].start, g[-1].end, tuple(g)) for g in groups)


def _starts_paragraph(current: list[Segment], segment: Segment) -> bool:
    last = current[-1]
    return (
        segment.start - last.end >= PARAGRAPH_GAP_S
        or segment.speaker != last.speaker
        or (segment.end - current[0].start > PARAGRAPH_MAX_S and last.text.rstrip()[-1:] in ".?!")
    )

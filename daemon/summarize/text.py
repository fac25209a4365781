"""Meeting text as summarizers see it: utterances, split into sentences, with small word tools."""

from __future__ import annotations

import re
from dataclasses import dataclass

from daemon.models import Transcript

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_SPEAKER_LINE = re.compile(r"^\s*([A-Z][\w'.-]*(?: [A-Z][\w'.-]*){0,2})\s*:\s+(.+)$")


@dataclass(frozen=True)
class Utterance:
    """One turn (or one ASR segment when nobody labelled speakers)."""

    index: int
    speaker: str | None
    text: str
    start: float | None = None
    marks: tuple[tuple[int, float], ...] = ()
    """(character offset, time) where each ASR segment joined into this turn begins, so that a
    sentence keeps the time it was said, not the time its speaker began."""

    def time_at(self, offset: int) -> float | None:
        best = self.start
        for position, when in self.marks:
            if position > offset:
                break
            best = when
        return best


@dataclass(frozen=True)
class Sentence:
    utterance: int
    position: int  # index among all sentences of the meeting
    speaker: str | None
    text: str
    start: float | None

    @property
    def lower(self) -> str:
        return self.text.lower()


def from_transcript(transcript: Transcript) -> list[Utterance]:
    """One utterance per turn when speakers are known, else one per ASR segment.

    A diarized speaker's consecutive segments are one turn, as in a written script: the rules
    that read "can you ...?" and the answer that follows need the answer to be the next
    utterance, not the next half-sentence of the same person.
    """
    utterances: list[Utterance] = []
    for segment in transcript.segments:
        if not segment.text:
            continue
        last = utterances[-1] if utterances else None
        if last is not None and segment.speaker is not None and segment.speaker == last.speaker:
            marks = (*last.marks, (len(last.text) + 1, segment.start))
            text = f"{last.text} {segment.text}"
            utterances[-1] = Utterance(last.index, last.speaker, text, last.start, marks)
        else:
            utterances.append(
                Utterance(
                    len(utterances),
                    segment.speaker,
                    segment.text,
                    segment.start,
                    ((0, segment.start),),
                )
            )
    return utterances


def from_text(text: str) -> tuple[list[Utterance], dict[str, str]]:
    """Parse ``Name: text`` lines (labels optional); ``# key: value`` lines are metadata."""
    utterances: list[Utterance] = []
    metadata: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            key, sep, value = stripped.lstrip("#").partition(":")
            if sep:
                metadata[key.strip().lower()] = value.strip()
            continue
        match = _SPEAKER_LINE.match(stripped)
        speaker, words = (match.group(1), match.group(2)) if match else (None, stripped)
        utterances.append(Utterance(len(utterances), speaker, words.strip()))
    return utterances, metadata


def sentences(utterances: list[Utterance]) -> list[Sentence]:
    result: list[Sentence] = []
    for utterance in utterances:
        cursor = 0
        for piece in _SENTENCE_END.split(utterance.text):
            piece = piece.strip()
            if piece:
                offset = utterance.text.find(piece, cursor)
                cursor = max(cursor, offset)
                when = utterance.time_at(offset) if offset >= 0 else utterance.start
                result.append(
                    Sentence(utterance.index, len(result), utterance.speaker, piece, when)
                )
    return result


WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("\u2019", "'"))

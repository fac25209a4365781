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
    return [
        Utterance(i, s.speaker, s.text, s.start)
        for i, s in enumerate(transcript.segments)
        if s.text
    ]


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
        for piece in _SENTENCE_END.split(utterance.text.strip()):
            piece = piece.strip()
            if piece:
                result.append(
                    Sentence(
                        utterance.index, len(result), utterance.speaker, piece, utterance.start
                    )
                )
    return result


WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("\u2019", "'"))

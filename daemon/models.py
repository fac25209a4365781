"""The data that flows through Minutes, one way.

Recording -> Chunk -> Segment -> Transcript -> Report.

Frozen dataclasses: a stage never mutates what an earlier stage produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class Recording:
    """One recording, identified by the SHA-256 of its bytes, whatever its file name."""

    id: int
    sha256: str
    path: Path
    recorded_at: datetime
    duration: float


@dataclass(frozen=True, eq=False)
class Chunk:
    """A piece of a recording, cut at a pause, as 16 kHz mono float32 samples.

    ``overlap`` is the number of seconds at the start of this chunk that repeat the end of the
    previous one; it is non-zero only where no pause was found and the cut fell inside speech.
    """

    index: int
    start: float
    end: float
    overlap: float
    samples: npt.NDArray[np.float32] = field(repr=False)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Word:
    """One recognised word with its times (recording seconds), as Whisper aligned it."""

    start: float
    end: float
    text: str  # as Whisper gives it, with its leading space
    probability: float = 1.0

    def to_list(self) -> list[Any]:
        return [round(self.start, 3), round(self.end, 3), self.text, round(self.probability, 3)]

    @classmethod
    def from_list(cls, data: list[Any]) -> Word:
        return cls(float(data[0]), float(data[1]), str(data[2]), float(data[3]))


@dataclass(frozen=True)
class Segment:
    """A stretch of recognised speech with times in seconds from the start of the recording.

    ``words`` is filled when the transcriber was asked for word times (diarization needs them);
    ``speaker`` is the name shown for the speaker ("Ines", or "Speaker 2" when unnamed).
    """

    start: float
    end: float
    text: str
    confidence: float = 1.0
    no_speech_prob: float = 0.0
    speaker: str | None = None
    words: tuple[Word, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "no_speech_prob": round(self.no_speech_prob, 4),
            "speaker": self.speaker,
        }
        if self.words:
            data["words"] = [w.to_list() for w in self.words]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Segment:
        return cls(
            start=float(data["start"]),
            end=float(data["end"]),
            text=str(data["text"]),
            confidence=float(data.get("confidence", 1.0)),
            no_speech_prob=float(data.get("no_speech_prob", 0.0)),
            speaker=data.get("speaker"),
            words=tuple(Word.from_list(w) for w in data.get("words", ())),
        )


@dataclass(frozen=True)
class ChunkTranscript:
    """What a transcriber made of one chunk: the checkpoint unit of the ledger."""

    index: int
    start: float
    end: float
    overlap: float
    language: str
    segments: tuple[Segment, ...]
    elapsed: float = 0.0
    embeddings: bytes = b""
    """The diarizer's speaker embeddings of this chunk (``ChunkEmbeddings.to_bytes``), if any:
    computed while the chunk's samples are in memory and checkpointed with its words."""


@dataclass(frozen=True)
class Provenance:
    """Which backend, model and options produced a transcript, kept next to it."""

    backend: str
    model: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Paragraph:
    start: float
    end: float
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)


@dataclass(frozen=True)
class Speaker:
    """One voice of the recording: its diarization label and the name shown for it."""

    label: str  # "S1", "S2", ... in order of first speech
    name: str | None  # the person's name, when known with enough confidence
    seconds: float  # how long this voice speaks
    confidence: float = 0.0
    source: str = "none"  # how the name was found: introduction, address, roster, profile, user

    @property
    def display(self) -> str:
        return self.name or f"Speaker {self.label.lstrip('S')}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "name": self.name,
            "display": self.display,
            "seconds": round(self.seconds, 2),
            "confidence": round(self.confidence, 3),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Speaker:
        return cls(
            label=str(data["label"]),
            name=data.get("name"),
            seconds=float(data.get("seconds", 0.0)),
            confidence=float(data.get("confidence", 0.0)),
            source=str(data.get("source", "none")),
        )


@dataclass(frozen=True)
class Transcript:
    segments: tuple[Segment, ...]
    paragraphs: tuple[Paragraph, ...]
    language: str
    duration: float
    provenance: Provenance
    speakers: tuple[Speaker, ...] = ()
    """Filled by the diarize stage; empty when diarization is off."""

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)


@dataclass(frozen=True)
class Report:
    """The files written for one recording."""

    markdown: Path
    sidecars: tuple[Path, ...]

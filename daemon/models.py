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
class Segment:
    """A stretch of recognised speech with times in seconds from the start of the recording."""

    start: float
    end: float
    text: str
    confidence: float = 1.0
    no_speech_prob: float = 0.0
    speaker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "no_speech_prob": round(self.no_speech_prob, 4),
            "speaker": self.speaker,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Segment:
        return cls(
            start=float(data["start"]),
            end=float(data["end"]),
            text=str(data["text"]),
            confidence=float(data.get("confidence", 1.0)),
            no_speech_prob=float(data.get("no_speech_prob", 0.0)),
            speaker=data.get("speaker"),
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
class Transcript:
    segments: tuple[Segment, ...]
    paragraphs: tuple[Paragraph, ...]
    language: str
    duration: float
    provenance: Provenance

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)


@dataclass(frozen=True)
class Report:
    """The files written for one recording."""

    markdown: Path
    sidecars: tuple[Path, ...]

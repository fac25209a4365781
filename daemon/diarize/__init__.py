"""Who said it: offline speaker diarization for the embedded path.

The work is split the way the pipeline is: `embed_chunk` runs per chunk (memory bounded by
chunk size) and returns a small `ChunkEmbeddings` that can be checkpointed as bytes; `cluster`
runs once over the whole recording's embeddings and returns speaker turns. `assign.py` then
gives each Whisper word a speaker and splits segments where the speaker changes.

See embeddings.py for the model choice (CAM++ as ONNX, no torch at run time) and cluster.py for
how the speaker count is found.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from daemon.diarize.cluster import (
    NO_HINTS,
    ClusterParams,
    SpeakerHints,
    cluster_embeddings,
    region_of_windows,
)
from daemon.diarize.embeddings import SAMPLE_RATE, WindowSpec, embed_windows, window_bounds
from daemon.transcribe.speech import VadOptions
from daemon.transcribe.speech import speech_regions as vad_regions

__all__ = [
    "ChunkEmbeddings",
    "Diarizer",
    "LocalDiarizer",
    "NoDiarizer",
    "SpeakerHints",
    "SpeakerTurn",
    "create_diarizer",
    "speech_regions",
]

log = logging.getLogger("daemon.diarize")

Region = tuple[float, float]


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str


@dataclass(frozen=True)
class ChunkEmbeddings:
    """Window times (recording seconds), their embeddings and the speech regions embedded."""

    starts: npt.NDArray[np.float64]
    ends: npt.NDArray[np.float64]
    vectors: npt.NDArray[np.float32]
    regions: tuple[Region, ...] = field(default=())

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            starts=self.starts,
            ends=self.ends,
            vectors=self.vectors,
            regions=np.array(self.regions, dtype=np.float64).reshape(-1, 2),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ChunkEmbeddings:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            regions = tuple((float(a), float(b)) for a, b in npz["regions"])
            return cls(npz["starts"], npz["ends"], npz["vectors"], regions)


class Diarizer(Protocol):
    """Embeds voices chunk by chunk as they are transcribed, then clusters the whole recording.

    ``identity()`` is what makes its output what it is (model, windows, clustering); it goes
    into the transcription plan key, so chunks embedded differently are never mixed.
    """

    name: str

    def load(self) -> None:
        """Verify and load the embedding model now; raise ``ModelError`` if it cannot be."""
        ...

    def release(self) -> None:
        """Free the embedding model until a chunk needs it again (clustering does not)."""
        ...

    def identity(self) -> dict[str, object]: ...

    def embed_chunk(
        self,
        samples: npt.NDArray[np.float32],
        chunk_start_s: float,
        regions: Sequence[Region] | None = None,
    ) -> ChunkEmbeddings: ...

    def cluster(
        self, chunks: Sequence[ChunkEmbeddings], hints: SpeakerHints = NO_HINTS
    ) -> list[SpeakerTurn]: ...


# Split at pauses of 0.3 s: a turn change rarely leaves less. Not merged, unlike the regions the
# transcriber decodes, since here every region boundary is a place a speaker may change.
_DIARIZE_VAD = VadOptions(min_silence_ms=300, speech_pad_ms=50, min_speech_ms=200, merge_gap_s=0.0)


def speech_regions(samples: npt.NDArray[np.float32], offset_s: float = 0.0) -> list[Region]:
    """Speech regions by faster-whisper's bundled Silero VAD, a block at a time (bounded memory)."""
    return [(offset_s + a, offset_s + b) for a, b in vad_regions(samples, _DIARIZE_VAD)]


def _turns_for_region(
    region: Region, centres: npt.NDArray[np.float64], labels: npt.NDArray[np.int64]
) -> list[SpeakerTurn]:
    """Each 10 ms of the region takes the label of the nearest window centre."""
    step = 0.01
    times = np.arange(region[0], region[1], step) + step / 2
    if times.size == 0 or centres.size == 0:
        return []
    # Only the windows near the region can be nearest; this keeps the distance table small on
    # long recordings (centres are sorted by time).
    first = max(0, int(np.searchsorted(centres, region[0] - 3.0)) - 1)
    last = min(centres.size, int(np.searchsorted(centres, region[1] + 3.0)) + 1)
    near, near_labels = centres[first:last], labels[first:last]
    frame_labels = near_labels[np.abs(times[:, None] - near[None, :]).argmin(axis=1)]
    turns: list[SpeakerTurn] = []
    begin = 0
    for i in range(1, times.size + 1):
        if i == times.size or frame_labels[i] != frame_labels[begin]:
            end = region[1] if i == times.size else region[0] + i * step
            turns.append(SpeakerTurn(region[0] + begin * step, end, f"S{frame_labels[begin] + 1}"))
            begin = i
    return turns


@dataclass
class LocalDiarizer:
    """CAM++ embeddings over speech windows, spectral clustering over the recording."""

    name: str = "local"
    windows: WindowSpec = field(default_factory=WindowSpec)
    params: ClusterParams = field(default_factory=ClusterParams)
    threads: int = 1

    def load(self) -> None:
        from daemon.diarize.embeddings import load

        load(self.threads)

    def release(self) -> None:
        from daemon.diarize.embeddings import release

        release()

    def identity(self) -> dict[str, object]:
        from daemon.diarize.embeddings import MODEL_SHA256

        return {
            "name": self.name,
            "model": f"campplus-{MODEL_SHA256[:12]}",
            "windows": asdict(self.windows),
            "vad": asdict(_DIARIZE_VAD),
        }

    def embed_chunk(
        self,
        samples: npt.NDArray[np.float32],
        chunk_start_s: float,
        regions: Sequence[Region] | None = None,
    ) -> ChunkEmbeddings:
        if regions is None:
            regions = speech_regions(samples, chunk_start_s)
        chunk_end = chunk_start_s + samples.size / SAMPLE_RATE
        clipped = [
            (max(a, chunk_start_s), min(b, chunk_end))
            for a, b in regions
            if min(b, chunk_end) > max(a, chunk_start_s)
        ]
        bounds = window_bounds(clipped, self.windows)
        vectors = embed_windows(samples, chunk_start_s, bounds, self.threads)
        return ChunkEmbeddings(
            np.array([b[0] for b in bounds], dtype=np.float64),
            np.array([b[1] for b in bounds], dtype=np.float64),
            vectors,
            tuple(clipped),
        )

    def cluster(
        self, chunks: Sequence[ChunkEmbeddings], hints: SpeakerHints = NO_HINTS
    ) -> list[SpeakerTurn]:
        if not chunks:
            return []
        starts = np.concatenate([c.starts for c in chunks])
        ends = np.concatenate([c.ends for c in chunks])
        vectors = np.concatenate([c.vectors.reshape(-1, 192) for c in chunks])
        # Which pause-free stretch of speech each window is in: speakers rarely change inside
        # one, which is what tells two alike voices apart (cluster.py).
        regions = region_of_windows(starts, ends, [r for c in chunks for r in c.regions])
        labels = cluster_embeddings(vectors, ends - starts, hints, self.params, regions)
        keep = labels >= 0
        centres, kept = ((starts + ends) / 2)[keep], labels[keep]
        order = np.argsort(centres, kind="stable")
        centres, kept = centres[order], kept[order]
        turns: list[SpeakerTurn] = []
        for chunk in chunks:
            for region in chunk.regions:
                turns.extend(_turns_for_region(region, centres, kept))
        return _join(sorted(turns, key=lambda t: t.start))


def _join(turns: list[SpeakerTurn], gap_s: float = 0.0) -> list[SpeakerTurn]:
    """Join touching turns of the same speaker (regions split at chunk edges rejoin here)."""
    joined: list[SpeakerTurn] = []
    for turn in turns:
        last = joined[-1] if joined else None
        if last and last.speaker == turn.speaker and turn.start - last.end <= gap_s + 1e-6:
            joined[-1] = SpeakerTurn(last.start, max(last.end, turn.end), last.speaker)
        else:
            joined.append(turn)
    return joined


@dataclass
class NoDiarizer:
    """Diarization switched off: no embeddings, no turns, segments keep speaker None."""

    name: str = "none"

    def load(self) -> None:
        pass

    def release(self) -> None:
        pass

    def identity(self) -> dict[str, object]:
        return {"name": self.name}

    def embed_chunk(
        self,
        samples: npt.NDArray[np.float32],
        chunk_start_s: float,
        regions: Sequence[Region] | None = None,
    ) -> ChunkEmbeddings:
        empty = np.zeros(0, dtype=np.float64)
        return ChunkEmbeddings(empty, empty, np.zeros((0, 192), dtype=np.float32))

    def cluster(
        self, chunks: Sequence[ChunkEmbeddings], hints: SpeakerHints = NO_HINTS
    ) -> list[SpeakerTurn]:
        return []


def create_diarizer(name: str, threads: int = 1) -> Diarizer:
    if name == "local":
        return LocalDiarizer(threads=threads)
    if name == "none":
        return NoDiarizer()
    raise ValueError(f"unknown diarizer {name!r} (expected 'local' or 'none')")

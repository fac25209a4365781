"""faster-whisper's log-Mel features, computed in blocks of frames instead of all at once.

faster-whisper computes the spectrogram of a whole input in one go: a 10-minute chunk needs
about 400 MB of STFT intermediates (NumPy's rfft returns complex128) for 19 MB of features.
Every STFT frame depends only on its own 400 samples, so computing the frames a block at a time
gives the same numbers; only the final clamp (8 orders below the loudest value) needs the whole
spectrogram, and it is applied after the blocks are joined. Memory then grows with the features
(80 floats per 10 ms), not with the intermediates, and chunks can be long: fewer chunk
boundaries, which is what keeps Minutes' word error rate level with one long faster-whisper call.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

_FRAMES_PER_BLOCK = 3000  # 30 s of frames: a few MB of intermediates at a time


def blockwise_extractor(base: Any) -> Any:
    """A drop-in replacement for a faster_whisper FeatureExtractor instance."""
    from faster_whisper.feature_extractor import FeatureExtractor

    class BlockwiseFeatureExtractor(FeatureExtractor):  # type: ignore[misc]
        def __call__(
            self, waveform: npt.NDArray[Any], padding: int = 160, chunk_length: int | None = None
        ) -> npt.NDArray[np.float32]:
            if chunk_length is not None:
                self.n_samples = chunk_length * self.sampling_rate
                self.nb_max_frames = self.n_samples // self.hop_length
            return log_mel(waveform, self.mel_filters, self.n_fft, self.hop_length, padding)

    extractor = BlockwiseFeatureExtractor.__new__(BlockwiseFeatureExtractor)
    extractor.__dict__.update(base.__dict__)
    return extractor


def log_mel(
    waveform: npt.NDArray[Any],
    mel_filters: npt.NDArray[np.float32],
    n_fft: int = 400,
    hop_length: int = 160,
    padding: int = 160,
) -> npt.NDArray[np.float32]:
    """The same values as faster_whisper.FeatureExtractor.__call__, a block of frames at a time."""
    samples = np.asarray(waveform, dtype=np.float32)
    half = n_fft // 2
    if samples.size + padding <= half:  # too short to reflect without repeating: NumPy's rules
        samples, padding = np.pad(np.pad(samples, (0, padding)), (half, half), "reflect"), 0
        half = 0
    # The padded signal is never built: each block's frames read a piece of it (see _piece).
    padded_size = samples.size + padding + 2 * half
    frames = 1 + (padded_size - n_fft) // hop_length
    kept = frames - 1  # faster-whisper drops the last frame
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)
    log_spec = np.empty((mel_filters.shape[0], kept), dtype=np.float32)
    for first in range(0, kept, _FRAMES_PER_BLOCK):
        last = min(first + _FRAMES_PER_BLOCK, kept)
        piece = _piece(samples, padding, half, first * hop_length, (last - 1) * hop_length + n_fft)
        view = np.lib.stride_tricks.as_strided(
            piece,
            shape=(last - first, n_fft),
            strides=(hop_length * piece.strides[0], piece.strides[0]),
            writeable=False,
        )
        spectrum = np.fft.rfft(view * window, n=n_fft, axis=-1).astype(np.complex64)
        magnitudes = np.abs(spectrum.T) ** 2
        mel = mel_filters @ magnitudes
        log_spec[:, first:last] = np.log10(np.clip(mel, a_min=1e-10, a_max=None))
    np.maximum(log_spec, log_spec.max() - 8.0, out=log_spec)
    log_spec += 4.0
    log_spec /= 4.0
    return log_spec


def _piece(
    samples: npt.NDArray[np.float32], padding: int, half: int, start: int, stop: int
) -> npt.NDArray[np.float32]:
    """``np.pad(np.pad(samples, (0, padding)), half, mode="reflect")[start:stop]``, uncopied.

    faster-whisper pads the whole input twice (two 38 MB copies for a 10-minute chunk); only
    the first and last 200 samples differ from the input, so each block reads its own piece.
    """
    length = samples.size + padding  # the zero-padded signal, before the reflection
    if half <= start and stop <= half + samples.size:
        return samples[start - half : stop - half]
    index = np.arange(start, stop) - half
    index = np.abs(index)  # left reflection: -k mirrors k
    beyond = index >= length
    index[beyond] = 2 * (length - 1) - index[beyond]  # right reflection
    out = np.zeros(stop - start, dtype=np.float32)  # the zero padding stays zero
    real = index < samples.size
    out[real] = samples[index[real]]
    return out

"""A chunk's samples as compressed audio bytes, small enough to travel inside a task message.

FLAC is the default and is lossless here: the pipeline decodes every recording to 16-bit PCM
(``daemon.audio``) before dividing by 32768, so the float32 samples are exactly s16 values and a
FLAC round trip gives a worker the very samples the daemon holds. That is what lets a worker's
transcript equal the local executor's word for word. FLAC costs about 30 kB a second of speech
at 16 kHz; Opus is about a tenth of that, at a measured WER cost (README, "Scaling out").

The bytes go into the JSON message as base64: JSON is the only serialiser the queue accepts.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import numpy.typing as npt

from daemon.models import SAMPLE_RATE

if TYPE_CHECKING:
    from av.audio.stream import AudioStream

Codec = Literal["flac", "opus"]

_FORMATS: dict[str, tuple[str, str]] = {"flac": ("flac", "flac"), "opus": ("ogg", "libopus")}


def encode(samples: npt.NDArray[np.float32], codec: Codec, kbps: int = 32) -> bytes:
    """16 kHz mono float32 samples (s16 values / 32768) as a FLAC or Ogg Opus file in memory."""
    import av

    container_format, encoder = _FORMATS[codec]
    pcm = np.clip(np.rint(samples * 32768.0), -32768, 32767).astype(np.int16).reshape(1, -1)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container_format) as out:
        stream = cast("AudioStream", out.add_stream(encoder, rate=SAMPLE_RATE, layout="mono"))
        if codec == "opus":
            stream.bit_rate = kbps * 1000
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def decode(data: bytes) -> npt.NDArray[np.float32]:
    """The samples back, through the same s16 16 kHz mono path as ``daemon.audio``."""
    import av

    blocks: list[npt.NDArray[np.int16]] = []
    with av.open(io.BytesIO(data), "r") as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                blocks.append(_block(out))
        for out in resampler.resample(None):
            blocks.append(_block(out))
    pcm = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int16)
    return (pcm.astype(np.float32) / 32768.0).astype(np.float32)


def to_text(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def from_text(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _block(frame: Any) -> npt.NDArray[np.int16]:
    return cast("npt.NDArray[np.int16]", frame.to_ndarray().reshape(-1).astype(np.int16))

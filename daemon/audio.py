"""Audio in: probe a file, decode it as a stream, and split it at pauses.

Memory is bounded by the chunk size, never by the recording's length: PyAV decodes packet by
packet into 16 kHz mono int16 blocks, the splitter keeps at most one chunk plus one block, and
each chunk is handed on before the next is read. (faster-whisper's own ``decode_audio`` holds
the whole file, about 10 GB for three hours, which is what this module exists to avoid.)

Decoding matches faster-whisper's (s16, mono, 16 kHz through libswresample, then / 32768), so a
chunk gives the model exactly the samples a plain faster-whisper run would.

Pauses are found with pydub's silence detection in a window before the chunk limit, with a
threshold relative to the loudness of that window so that quiet and loud recordings split alike.
Where the window has no pause the cut is forced and the next chunk starts a little earlier; the
merge step removes the words the overlap repeats.

Length is capped (issue 8: 13.5 MB of Opus that decoded to ten hours of silence held the queue for
minutes and made Whisper hallucinate). ``probe`` rejects a file whose container declares more than
the cap, and ``decode_blocks`` stops as soon as the decoded audio passes it, for headers that lie
or declare nothing.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from daemon.errors import InputError
from daemon.models import SAMPLE_RATE, Chunk
from daemon.sections import ChunkingSettings

log = logging.getLogger("daemon.audio")

Int16Block = npt.NDArray[np.int16]

# Containers whose header states the exact length, so a shorter decode means a cut-off file.
_EXACT_LENGTH_FORMATS = {"wav", "flac", "aiff", "w64"}
_TRUNCATION_TOLERANCE_S = 0.5
_MAX_BAD_PACKET_SHARE = 0.2


@dataclass(frozen=True)
class AudioInfo:
    path: Path
    size: int
    format: str
    codec: str
    duration: float
    sample_rate: int
    channels: int
    creation_time: datetime | None
    max_seconds: float | None = None
    """The length cap that ``decode_blocks`` enforces while decoding (None: no cap)."""


def probe(path: Path, max_bytes: int | None = None, max_seconds: float | None = None) -> AudioInfo:
    """Read a file's container header; raise InputError saying why it cannot be used.

    ``max_seconds`` rejects a file that declares a longer duration, and is kept in the result so
    that ``decode_blocks`` can stop a file whose header understates it.
    """
    import av

    if path.is_dir():
        raise InputError(path, "is a folder, not an audio file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror})") from exc
    if size == 0:
        raise InputError(path, "is empty (0 bytes)")
    if max_bytes is not None and size > max_bytes:
        raise InputError(
            path,
            f"is too large ({size / 2**20:.0f} MB; "
            f"the limit max_file_mb is {max_bytes / 2**20:.0f} MB)",
        )
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise InputError(path, f"is not a readable audio or video file ({exc})") from exc
    with container:
        if not container.streams.audio:
            raise InputError(path, "has no audio stream")
        stream = container.streams.audio[0]
        if not stream.codec_context.sample_rate:
            raise InputError(path, "has an audio stream that cannot be decoded")
        duration = _duration(container, stream)
        if container.format.name == "wav":
            # FFmpeg clamps a WAV's length to the file size, which hides truncation.
            duration = max(duration or 0.0, _declared_wav_seconds(path) or 0.0)
        if duration is not None and duration <= 0:
            raise InputError(path, "has zero duration")
        if duration is not None and max_seconds is not None and duration > max_seconds:
            raise InputError(path, _too_long(f"lasts {_hours(duration)}", max_seconds))
        return AudioInfo(
            path=path,
            size=size,
            format=container.format.name,
            codec=stream.codec_context.name,
            duration=duration or 0.0,
            sample_rate=int(stream.codec_context.sample_rate),
            channels=int(stream.codec_context.channels),
            creation_time=_creation_time(dict(container.metadata) | dict(stream.metadata)),
            max_seconds=max_seconds,
        )


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds:.0f} s"


def _too_long(what: str, max_seconds: float) -> str:
    return f"is too long: it {what}; the limit max_duration_hours is {_hours(max_seconds)}"


def _duration(container: object, stream: object) -> float | None:
    import av

    stream_duration = getattr(stream, "duration", None)
    time_base = getattr(stream, "time_base", None)
    if stream_duration and time_base:
        return float(stream_duration * time_base)
    container_duration = getattr(container, "duration", None)
    if container_duration:
        return float(container_duration / av.time_base)
    return None


def _declared_wav_seconds(path: Path) -> float | None:
    """The length a RIFF/WAVE header declares, or None when it declares none."""
    with path.open("rb") as handle:
        header = handle.read(4096)
    if header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return None
    position, byte_rate = 12, 0
    while position + 8 <= len(header):
        chunk_id = header[position : position + 4]
        size = int.from_bytes(header[position + 4 : position + 8], "little")
        if chunk_id == b"fmt " and position + 16 <= len(header):
            byte_rate = int.from_bytes(header[position + 16 : position + 20], "little")
        if chunk_id == b"data":
            # 0 and 0xFFFFFFFF mean "unknown" (written while streaming); trust nothing then.
            if not byte_rate or size in (0, 0xFFFFFFFF):
                return None
            return size / byte_rate
        position += 8 + size + (size & 1)
    return None


def _creation_time(metadata: dict[str, str]) -> datetime | None:
    for key in ("creation_time", "date", "DATE", "com.apple.quicktime.creationdate"):
        value = metadata.get(key)
        if not value:
            continue
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        # A bare date or a naive time from a recorder is taken as local time.
        return parsed if parsed.tzinfo else parsed.astimezone()
    return None


def recorded_at(info: AudioInfo) -> datetime:
    """When the meeting happened: container metadata, a date in the file name, else the mtime."""
    if info.creation_time is not None:
        return info.creation_time
    modified = datetime.fromtimestamp(info.path.stat().st_mtime, tz=timezone.utc).astimezone()
    named = _date_in_name(info.path.name)
    if named is not None and named != modified.date():
        return datetime.combine(named, datetime.min.time()).astimezone()
    return modified


_NAME_DATE = re.compile(r"(?<!\d)(20\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")


def _date_in_name(name: str) -> date | None:
    """Recorders and people name files "2026-03-11 standup.m4a" or "REC_20260311_0930.wav"."""
    match = _NAME_DATE.search(name)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def decode_blocks(info: AudioInfo) -> Iterator[Int16Block]:
    """Yield the recording as 16 kHz mono int16 blocks, a few thousand samples at a time."""
    import av

    path = info.path
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise InputError(path, f"is not a readable audio or video file ({exc})") from exc
    with container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        packets = bad = decoded = 0
        try:
            for packet in container.demux(stream):
                packets += 1
                try:
                    frames = packet.decode()
                except av.InvalidDataError:
                    # Like faster-whisper, skip a damaged packet instead of losing the file.
                    bad += 1
                    continue
                for frame in frames:
                    for out in resampler.resample(frame):
                        block = out.to_ndarray().reshape(-1).astype(np.int16, copy=False)
                        decoded += block.size
                        _enforce_cap(info, decoded)
                        yield block
            for out in resampler.resample(None):
                block = out.to_ndarray().reshape(-1).astype(np.int16, copy=False)
                decoded += block.size
                _enforce_cap(info, decoded)
                yield block
        except av.FFmpegError as exc:
            raise InputError(
                path, f"could not be decoded after {decoded / SAMPLE_RATE:.1f} s ({exc})"
            ) from exc
    _check_complete(info, decoded, packets, bad)


def _enforce_cap(info: AudioInfo, decoded: int) -> None:
    """Stop a file whose header understated its length (or stated none) at the cap.

    Checked block by block, so at most one block more than the cap is ever decoded, and nothing
    past it reaches the transcriber.
    """
    if info.max_seconds is not None and decoded > info.max_seconds * SAMPLE_RATE:
        cap = _hours(info.max_seconds)
        raise InputError(info.path, _too_long(f"decodes to more than {cap}", info.max_seconds))


def _check_complete(info: AudioInfo, decoded: int, packets: int, bad: int) -> None:
    seconds = decoded / SAMPLE_RATE
    if decoded == 0:
        raise InputError(info.path, "contains no decodable audio")
    if packets and bad / packets > _MAX_BAD_PACKET_SHARE:
        raise InputError(info.path, f"is corrupt ({bad} of {packets} audio packets are damaged)")
    if info.format in _EXACT_LENGTH_FORMATS and seconds < info.duration - _TRUNCATION_TOLERANCE_S:
        raise InputError(
            info.path,
            f"is truncated: its header promises {info.duration:.1f} s but only "
            f"{seconds:.1f} s could be decoded",
        )


def split_at_pauses(blocks: Iterator[Int16Block], settings: ChunkingSettings) -> Iterator[Chunk]:
    """Group decoded blocks into chunks no longer than ``settings.max_seconds``, cut at pauses."""
    max_len = int(settings.max_seconds * SAMPLE_RATE)
    pending: list[Int16Block] = []
    pending_len = 0
    offset = 0  # absolute sample index of pending[0]
    overlap = 0  # samples at the start of pending that repeat the previous chunk
    index = 0
    for block in blocks:
        pending.append(block)
        pending_len += block.size
        while pending_len >= max_len:
            buffer = np.concatenate(pending)
            pending = []
            cut, forced = _choose_cut(buffer[:max_len], settings)
            chunk = _chunk(index, offset, overlap, buffer[:cut])
            index += 1
            overlap = int(settings.overlap_seconds * SAMPLE_RATE) if forced else 0
            overlap = min(overlap, cut // 2)
            offset += cut - overlap
            # A copy, not a view: a view would keep the whole int16 buffer alive while the
            # chunk is transcribed. Only the chunk's float32 samples stay in memory meanwhile.
            rest = buffer[cut - overlap :].copy()
            del buffer
            pending, pending_len = [rest], rest.size
            yield chunk
            del chunk  # before decoding the next chunk's blocks
    if pending_len > 0:
        buffer = np.concatenate(pending)
        if index == 0 or buffer.size > overlap:
            yield _chunk(index, offset, overlap, buffer)


def _chunk(index: int, offset: int, overlap: int, samples: Int16Block) -> Chunk:
    return Chunk(
        index=index,
        start=offset / SAMPLE_RATE,
        end=(offset + samples.size) / SAMPLE_RATE,
        overlap=overlap / SAMPLE_RATE,
        samples=_to_float(samples),
    )


def _to_float(samples: Int16Block) -> npt.NDArray[np.float32]:
    """faster-whisper's scaling (s16 / 32768), in place: one float32 array, not two."""
    out = samples.astype(np.float32)
    out /= 32768.0
    return out


def _choose_cut(window: Int16Block, settings: ChunkingSettings) -> tuple[int, bool]:
    """Where to end a chunk of ``window.size`` samples: (sample index, forced inside speech?)."""
    search = int(settings.search_seconds * SAMPLE_RATE)
    if search <= 0:
        return window.size, True
    tail = window[window.size - search :]
    pause = find_pause(tail, settings.min_pause_ms, settings.silence_db)
    if pause is None:
        return window.size, True
    return window.size - search + pause, False


def find_pause(samples: Int16Block, min_pause_ms: int, silence_db: float) -> int | None:
    """The middle of the longest pause (latest among equals) in ``samples``, as a sample index."""
    AudioSegment = pydub_audio_segment()
    from pydub.silence import detect_silence

    segment = AudioSegment(
        data=samples.tobytes(), sample_width=2, frame_rate=SAMPLE_RATE, channels=1
    )
    if segment.rms == 0:
        return samples.size // 2
    pauses = detect_silence(
        segment,
        min_silence_len=min_pause_ms,
        silence_thresh=segment.dBFS + silence_db,
        seek_step=10,
    )
    if not pauses:
        return None
    start_ms, end_ms = max(pauses, key=lambda p: (p[1] - p[0], p[0]))
    return int((start_ms + end_ms) / 2 * SAMPLE_RATE / 1000)


@cache
def pydub_audio_segment() -> Any:
    """pydub's AudioSegment, pointed at the ffmpeg binary that imageio-ffmpeg ships.

    pydub looks for ffmpeg on PATH when it is imported and warns when there is none; Minutes
    needs no system ffmpeg, so the warning is silenced and the bundled binary used instead.
    """
    import imageio_ffmpeg

    with warnings.catch_warnings():
        # RuntimeWarning: no ffmpeg on PATH; DeprecationWarning: stdlib audioop (Python 3.11-3.12).
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from pydub import AudioSegment
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    AudioSegment.converter = ffmpeg
    AudioSegment.ffmpeg = ffmpeg
    return AudioSegment

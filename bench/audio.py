"""Audio helpers for the benchmark: durations, and the long file built by concatenating clips."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import wave
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import av

SAMPLE_RATE = 16_000
SAMPLE_WIDTH = 2  # s16
GAP_SECONDS = 1.0
# Bump when the way the long file is built changes, so stale cached files are not reused.
BUILD_VERSION = 1


@dataclass(frozen=True)
class Clip:
    audio: Path
    reference: Path


@dataclass(frozen=True)
class LongFile:
    audio: Path
    reference: Path
    duration_s: float
    clips: int


def duration_seconds(path: Path) -> float:
    """Length of a recording in seconds (header-based: no full decode)."""
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() / wav.getframerate()
    except (wave.Error, EOFError):
        pass  # not a PCM WAV (MP3, FLAC, float WAV, ...): ask FFmpeg
    with av.open(str(path)) as container:
        if container.duration is not None:
            return float(container.duration) / av.time_base
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
    return len(decode_pcm(path)) / (SAMPLE_RATE * SAMPLE_WIDTH)


def decode_pcm(path: Path) -> bytes:
    """The whole file as 16 kHz mono s16 PCM bytes (only used for short clips)."""
    return b"".join(_pcm_chunks(path))


def _pcm_chunks(path: Path) -> Iterator[bytes]:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.audio[0]):
            for out in resampler.resample(frame):
                yield out.to_ndarray().tobytes()
        # The resampler holds back a few samples until it is flushed.
        for out in resampler.resample(None):
            yield out.to_ndarray().tobytes()


def plan_clips(clips: Sequence[Clip], durations: Sequence[float], hours: float) -> list[int]:
    """Indices into ``clips``, cycling, until the running length (with gaps) reaches ``hours``."""
    target = hours * 3600.0
    order: list[int] = []
    total = 0.0
    for index in itertools.cycle(range(len(clips))):
        if total >= target:
            break
        total += durations[index] + (GAP_SECONDS if order else 0.0)
        order.append(index)
    return order


def build_long_file(clips: Sequence[Clip], hours: float, cache_dir: Path) -> LongFile:
    """Build (or reuse from ``cache_dir``) the concatenation of ``clips`` lasting ~``hours``.

    The WAV is written frame block by frame block with the stdlib ``wave`` module, so memory holds
    only the decoded clips (a few MB), never the whole multi-hour file.
    """
    stem = f"concat_{hours:g}h_{_cache_key(clips, hours)}"
    audio, reference, meta = (cache_dir / f"{stem}{ext}" for ext in (".wav", ".txt", ".json"))
    if audio.exists() and reference.exists() and meta.exists():
        info = json.loads(meta.read_text(encoding="utf-8"))
        return LongFile(audio, reference, float(info["duration_s"]), int(info["clips"]))
    cache_dir.mkdir(parents=True, exist_ok=True)
    pcm = [decode_pcm(clip.audio) for clip in clips]
    durations = [len(data) / (SAMPLE_RATE * SAMPLE_WIDTH) for data in pcm]
    order = plan_clips(clips, durations, hours)
    frames = _write_wav(audio, (pcm[i] for i in order))
    texts = [clips[i].reference.read_text(encoding="utf-8").strip() for i in order]
    _write_atomic(reference, "\n".join(texts) + "\n")
    duration = frames / SAMPLE_RATE
    info = {"duration_s": duration, "clips": len(order), "sources": [str(c.audio) for c in clips]}
    _write_atomic(meta, json.dumps(info, indent=2) + "\n")
    return LongFile(audio, reference, duration, len(order))


# Pauses of the recording with pauses: a few seconds to over a minute (a break, someone fetching
# a document), before, between and after the clips, in this order.
PAUSES_S = (6.0, 30.0, 75.0, 12.0, 45.0, 4.0, 90.0, 20.0)


def build_paused_file(clips: Sequence[Clip], cache_dir: Path) -> LongFile:
    """Build (or reuse) ``clips`` played once each, with the pauses of ``PAUSES_S`` around them.

    The VAD's time saving is measured on this file: the other files have only short gaps.
    """
    stem = f"paused_{_cache_key(clips, sum(PAUSES_S))}"
    audio, reference, meta = (cache_dir / f"{stem}{ext}" for ext in (".wav", ".txt", ".json"))
    if audio.exists() and reference.exists() and meta.exists():
        info = json.loads(meta.read_text(encoding="utf-8"))
        return LongFile(audio, reference, float(info["duration_s"]), int(info["clips"]))
    cache_dir.mkdir(parents=True, exist_ok=True)
    pauses = itertools.cycle(PAUSES_S)
    silence = [bytes(int(next(pauses) * SAMPLE_RATE) * SAMPLE_WIDTH) for _ in range(len(clips) + 1)]
    blocks = [silence[0]]
    for clip, after in zip(clips, silence[1:], strict=True):
        blocks += [decode_pcm(clip.audio), after]
    frames = _write_wav(audio, iter(blocks), gap_seconds=0.0)
    texts = [clip.reference.read_text(encoding="utf-8").strip() for clip in clips]
    _write_atomic(reference, "\n".join(texts) + "\n")
    paused = sum(len(b) for b in silence) / (SAMPLE_RATE * SAMPLE_WIDTH)
    info = {"duration_s": frames / SAMPLE_RATE, "clips": len(clips), "pause_s": paused,
            "sources": [str(c.audio) for c in clips]}  # fmt: skip
    _write_atomic(meta, json.dumps(info, indent=2) + "\n")
    return LongFile(audio, reference, frames / SAMPLE_RATE, len(clips))


def _cache_key(clips: Sequence[Clip], hours: float) -> str:
    digest = hashlib.sha256(f"v{BUILD_VERSION} {hours!r}".encode())
    for clip in clips:
        for path in (clip.audio, clip.reference):
            stat = path.stat()
            digest.update(f"{path.resolve()} {stat.st_size} {stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:10]


def _write_wav(path: Path, blocks: Iterator[bytes], gap_seconds: float = GAP_SECONDS) -> int:
    """Write ``blocks`` separated by silence; return the number of frames written."""
    tmp = path.with_name(path.name + ".tmp")
    gap = bytes(int(gap_seconds * SAMPLE_RATE) * SAMPLE_WIDTH)
    written = 0
    with wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(SAMPLE_RATE)
        for n, block in enumerate(blocks):
            if n:
                wav.writeframesraw(gap)
                written += len(gap)
            wav.writeframesraw(block)
            written += len(block)
    # Rename last: an interrupted build never leaves a half-written file under the cached name.
    os.replace(tmp, path)
    return written // SAMPLE_WIDTH


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)

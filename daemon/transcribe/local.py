"""The embedded backend: faster-whisper (CTranslate2) in-process, int8 on the CPU by default.

The model is loaded once per process and kept; each chunk is transcribed with the detected or
configured language and a prompt carrying the vocabulary hint and the previous chunk's last words,
which gives the model the continuity that one long faster-whisper call would have.

With ``transcriber.vad`` (the default) the chunk's non-speech is skipped: ``speech.py`` finds the
speech with faster-whisper's Silero model and the decoder is given only those clips. A chunk with
no speech is not decoded at all, which is what stops the "You You You" of issue 8.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from daemon.errors import ModelError, TranscriptionError
from daemon.heap import give_back
from daemon.models import Chunk, ChunkTranscript, Provenance, Segment, Word
from daemon.sections import TranscriberSettings
from daemon.transcribe.features import blockwise_extractor
from daemon.transcribe.model_store import resolve_model
from daemon.transcribe.speech import VadOptions, clip_timestamps, speech_regions

log = logging.getLogger("daemon.transcribe.local")

_load_lock = threading.Lock()


@cache
def _load(path: str, device: str, compute_type: str, cpu_threads: int) -> Any:
    from faster_whisper import WhisperModel

    started = time.monotonic()
    try:
        model = WhisperModel(
            path, device=device, compute_type=compute_type, cpu_threads=cpu_threads
        )
    except Exception as exc:
        raise ModelError(path, f"cannot be loaded ({exc})") from exc
    model.feature_extractor = blockwise_extractor(model.feature_extractor)
    log.info(
        "model loaded from %s (%s, %s) in %.1f s",
        path,
        device,
        compute_type,
        time.monotonic() - started,
    )
    return model


def _return_freed_memory() -> None:
    """Hand the heap pages freed by this chunk (or window) back to the system.

    Each chunk allocates and frees a few hundred MB of features and decoder buffers; glibc keeps
    freed pages for reuse, and over hundreds of chunks the heap fragments and RSS creeps upward
    (measured: 537 MB for one chunk, 697 MB after three hours). Trimming after each chunk and
    each 30 s window keeps the peak at one window's worth (see ``_trimming``); fixed malloc
    thresholds did the same but made transcription 58% slower.
    """
    give_back()


def _trimming(segments: Iterable[Any]) -> Iterator[Any]:
    """faster-whisper's segments, trimming the heap after each 30 s window is decoded.

    Within a 10-minute chunk the heap grew by ~30 MiB between windows, under the ~75 MiB that
    each window's encoder attention (8 heads x 1500 x 1500 floats) briefly adds on top; trimming
    only per chunk let that growth reach the peak (issue 8: 602 MB on the 3-hour file).
    """
    window = None
    for segment in segments:
        if segment.seek != window:
            window = segment.seek
            _return_freed_memory()
        yield segment


class LocalTranscriber:
    name = "local"
    # One chunk at a time: CTranslate2 already uses every configured thread on one chunk.
    concurrency = 1
    max_chunk_seconds: float | None = None
    word_times = True

    def __init__(self, settings: TranscriberSettings) -> None:
        self.settings = settings
        self._path: str | None = None

    @property
    def model_path(self) -> str:
        if self._path is None:
            self._path = resolve_model(self.settings.model, self.settings.model_dir)
        return self._path

    def _model(self) -> Any:
        s = self.settings
        with _load_lock:
            return _load(self.model_path, s.device, s.compute_type, s.cpu_threads)

    def load(self) -> None:
        """Load the model now (the daemon does this at start-up, not on the first recording)."""
        self._model()

    def release(self) -> None:
        # Loading takes under a second; holding the model and CTranslate2's buffers through the
        # later stages (spaCy, the passage embedder) took a 3-hour file to 709 MB.
        with _load_lock:
            _load.cache_clear()
        _return_freed_memory()

    def provenance(self) -> Provenance:
        s = self.settings
        return Provenance(
            backend="faster-whisper",
            model=s.model,
            options={
                "device": s.device,
                "compute_type": s.compute_type,
                "beam_size": s.beam_size,
                "language": s.language,
                "initial_prompt": s.initial_prompt,
                # In the plan key too, so chunks transcribed with and without VAD never mix.
                "vad": s.vad,
                "vad_min_silence_ms": s.vad_min_silence_ms if s.vad else None,
            },
        )

    def transcribe(
        self, chunk: Chunk, *, language: str | None, prompt: str, words: bool = False
    ) -> ChunkTranscript:
        started = time.monotonic()
        try:
            clips = self._speech(chunk)
            if clips is not None and not clips:
                # Nothing but silence: Whisper would only hallucinate here ("You You You").
                return _empty(chunk, language, time.monotonic() - started)
            raw_segments, info = self._model().transcribe(
                chunk.samples,
                language=language or None,
                beam_size=self.settings.beam_size,
                initial_prompt=prompt or None,
                clip_timestamps=clips if clips is not None else "0",
                word_timestamps=words,
            )
            segments = tuple(
                Segment(
                    start=chunk.start + s.start,
                    end=min(chunk.start + s.end, chunk.end),
                    text=s.text.strip(),
                    confidence=math.exp(s.avg_logprob),
                    no_speech_prob=s.no_speech_prob,
                    words=_words(chunk, s.words),
                )
                for s in _trimming(raw_segments)
                if s.text.strip()
            )
        except ModelError:
            raise
        except Exception as exc:
            raise TranscriptionError(self.name, f"chunk {chunk.index}: {exc}") from exc
        _return_freed_memory()
        return ChunkTranscript(
            index=chunk.index,
            start=chunk.start,
            end=chunk.end,
            overlap=chunk.overlap,
            language=str(info.language),
            segments=segments,
            elapsed=time.monotonic() - started,
        )

    def _speech(self, chunk: Chunk) -> list[float] | None:
        """The chunk's speech as faster-whisper clip timestamps, or None when VAD is off."""
        if not self.settings.vad:
            return None
        options = VadOptions(min_silence_ms=self.settings.vad_min_silence_ms)
        regions = speech_regions(chunk.samples, options)
        kept = sum(end - start for start, end in regions)
        log.debug("chunk %d: VAD kept %.0f of %.0f s", chunk.index, kept, chunk.duration)
        return clip_timestamps(regions)


def _words(chunk: Chunk, words: list[Any] | None) -> tuple[Word, ...]:
    if not words:
        return ()
    return tuple(
        Word(chunk.start + w.start, min(chunk.start + w.end, chunk.end), w.word, w.probability)
        for w in words
    )


def _empty(chunk: Chunk, language: str | None, elapsed: float) -> ChunkTranscript:
    # No language can be detected without speech; "" reads as unknown to the chunk loop.
    return ChunkTranscript(
        index=chunk.index,
        start=chunk.start,
        end=chunk.end,
        overlap=chunk.overlap,
        language=language or "",
        segments=(),
        elapsed=elapsed,
    )

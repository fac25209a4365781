"""The ``openai`` backend: chunks are sent to ``/v1/audio/transcriptions`` of OpenAI or a
compatible server (speaches, vLLM, LocalAI, whisper.cpp's server).

Sizing. A chunk is encoded in memory with PyAV as mono 16 kHz MP3 (or Opus in Ogg) at
``transcriber.upload_kbps``, 32 kbit/s by default: 240 kB a minute, so the API's 25 MB upload
limit is never the binding one. The binding limits are the models' own: the gpt-4o transcribe
models answer with at most 2,000 output tokens (about ten minutes of fast speech) and take at most
1,500 s of audio, so their chunks are capped at 600 s; whisper-1 has no token cap and gets 1,200 s.
The pipeline cuts at pauses within the cap (``max_chunk_seconds``); the default chunk length,
180 s, is well inside every cap.

Answers. whisper-1 (and unknown models, which are usually whisper servers) are asked for
``verbose_json``, whose segments carry timestamps. gpt-4o-transcribe and gpt-4o-mini-transcribe
only answer ``json``: text without timestamps, so the chunk becomes one segment spanning the
chunk. gpt-4o-transcribe-diarize is asked for ``diarized_json`` with ``chunking_strategy=auto``;
its speaker labels go into ``Segment.speaker``. The labels are the model's, per chunk: "A" in
one chunk need not be "A" in the next. It takes no prompt; the others get the vocabulary hint and
the previous chunk's last words.

Every call goes through ``ApiClient.call``; cost is priced per audio minute of the chunk.
"""

from __future__ import annotations

import io
import logging
import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

import av
import numpy as np

from daemon.api.answers import read_json
from daemon.api.client import ApiClient
from daemon.api.costs import Metered
from daemon.errors import TranscriptionError
from daemon.models import SAMPLE_RATE, Chunk, ChunkTranscript, Provenance, Segment, Word
from daemon.sections import TranscriberSettings

if TYPE_CHECKING:
    from av.audio.stream import AudioStream

log = logging.getLogger("daemon.transcribe.openai")

ENDPOINT = "audio.transcriptions"
UPLOAD_LIMIT_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class ModelLimits:
    max_seconds: float
    response_format: str
    takes_prompt: bool = True
    chunking_strategy: str | None = None


MODEL_LIMITS = {
    "whisper-1": ModelLimits(1200.0, "verbose_json"),
    "gpt-4o-transcribe": ModelLimits(600.0, "json"),
    "gpt-4o-mini-transcribe": ModelLimits(600.0, "json"),
    "gpt-4o-transcribe-diarize": ModelLimits(600.0, "diarized_json", False, "auto"),
}
OTHER_MODELS = ModelLimits(600.0, "verbose_json")

_CODECS = {"mp3": ("mp3", "libmp3lame", "audio/mpeg"), "ogg": ("ogg", "libopus", "audio/ogg")}

# whisper-1 answers with the language's English name; the rest of Minutes uses ISO codes.
_LANGUAGE_CODES = {
    "english": "en", "german": "de", "french": "fr", "spanish": "es", "italian": "it",
    "portuguese": "pt", "dutch": "nl", "polish": "pl", "russian": "ru", "ukrainian": "uk",
    "japanese": "ja", "chinese": "zh", "korean": "ko", "turkish": "tr", "swedish": "sv",
    "danish": "da", "norwegian": "no", "finnish": "fi", "czech": "cs", "greek": "el",
    "hindi": "hi", "arabic": "ar", "hebrew": "he",
}  # fmt: skip


def limits_for(model: str) -> ModelLimits:
    matches = [key for key in MODEL_LIMITS if model.startswith(key)]
    return MODEL_LIMITS[max(matches, key=len)] if matches else OTHER_MODELS


def encode(samples: np.ndarray[Any, Any], upload_format: str, kbps: int) -> bytes:
    """16 kHz mono float32 samples as a compact audio file, in memory."""
    container_format, codec, _ = _CODECS[upload_format]
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16).reshape(1, -1)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container_format) as out:
        stream = cast("AudioStream", out.add_stream(codec, rate=SAMPLE_RATE, layout="mono"))
        stream.bit_rate = kbps * 1000
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


class OpenAITranscriber:
    name = "openai"

    def __init__(self, settings: TranscriberSettings, api: ApiClient) -> None:
        self.settings = settings
        self.api = api
        self.limits = limits_for(settings.model)
        self._concurrency = settings.concurrency

    @property
    def concurrency(self) -> int:
        return self._concurrency

    def load(self) -> None:
        """Nothing to load: the model is the server's."""

    def release(self) -> None:
        """Nothing to free."""

    @property
    def max_chunk_seconds(self) -> float | None:
        """The longest chunk this model takes, and that fits the upload limit when encoded."""
        by_size = UPLOAD_LIMIT_BYTES * 8 / (self.settings.upload_kbps * 1000) * 0.9
        return min(self.limits.max_seconds, by_size)

    def provenance(self) -> Provenance:
        s = self.settings
        return Provenance(
            backend="openai",
            model=s.model,
            options={
                "base_url": self.api.settings.base_url or "https://api.openai.com/v1",
                "response_format": self.limits.response_format,
                "language": s.language,
                "initial_prompt": s.initial_prompt,
                "upload": f"{s.upload_format} {s.upload_kbps} kbit/s",
            },
        )

    @property
    def word_times(self) -> bool:
        # Only whisper-1's verbose_json has word timestamps; the gpt-4o models give none.
        return self.settings.model.startswith("whisper")

    def transcribe(
        self, chunk: Chunk, *, language: str | None, prompt: str, words: bool = False
    ) -> ChunkTranscript:
        started = time.monotonic()
        upload_format = self.settings.upload_format
        data = encode(chunk.samples, upload_format, self.settings.upload_kbps)
        if len(data) > UPLOAD_LIMIT_BYTES:
            raise TranscriptionError(
                self.name, f"chunk {chunk.index} is {len(data)} bytes encoded, over the 25 MB limit"
            )
        _, _, mime = _CODECS[upload_format]
        params: dict[str, Any] = {
            "model": self.settings.model,
            "file": (f"chunk-{chunk.index:05d}.{upload_format}", data, mime),
            "response_format": self.limits.response_format,
            "temperature": 0.0,
        }
        if language:
            params["language"] = language
        if prompt and self.limits.takes_prompt:
            params["prompt"] = prompt
        if self.limits.chunking_strategy:
            params["chunking_strategy"] = self.limits.chunking_strategy
        if self.limits.response_format == "verbose_json":
            with_words = words and self.word_times
            params["timestamp_granularities"] = ["segment", "word"] if with_words else ["segment"]

        def send(sdk: Any) -> Any:
            return sdk.audio.transcriptions.with_raw_response.create(**params)

        def meter(body: dict[str, Any]) -> Metered:
            usage = body.get("usage") or {}
            return Metered(
                tokens_in=int(usage.get("input_tokens") or 0),
                tokens_out=int(usage.get("output_tokens") or 0),
                audio_seconds=chunk.duration,
            )

        body: dict[str, Any] = self.api.call(
            ENDPOINT, self.settings.model, send, read_json, meter,
            estimate=Metered(audio_seconds=chunk.duration),
        )  # fmt: skip
        segments = self._segments(chunk, body)
        detected = str(body.get("language") or language or "")
        return ChunkTranscript(
            index=chunk.index,
            start=chunk.start,
            end=chunk.end,
            overlap=chunk.overlap,
            language=_LANGUAGE_CODES.get(detected.lower(), detected) or "und",
            segments=segments,
            elapsed=time.monotonic() - started,
        )

    def _segments(self, chunk: Chunk, body: dict[str, Any]) -> tuple[Segment, ...]:
        if not isinstance(body, dict):
            raise TranscriptionError(self.name, f"chunk {chunk.index}: unexpected answer")
        raw = body.get("segments")
        if isinstance(raw, list) and raw:
            segments = tuple(
                segment
                for item in raw
                if (segment := _segment(chunk, item)) is not None and segment.text
            )
            return _with_words(segments, _words(chunk, body.get("words")))
        text = str(body.get("text") or "").strip()
        if not text:
            return ()
        # No timestamps in the answer: the chunk's own times are the best there are.
        return (Segment(start=chunk.start, end=chunk.end, text=text),)


def _words(chunk: Chunk, raw: Any) -> list[Word]:
    """verbose_json's top-level ``words`` (chunk times), as recording-time words."""
    if not isinstance(raw, list):
        return []
    words = []
    for item in raw:
        if isinstance(item, dict) and item.get("word"):
            start = chunk.start + float(item.get("start") or 0.0)
            end = min(chunk.start + float(item.get("end") or 0.0), chunk.end)
            words.append(Word(start, max(start, end), " " + str(item["word"]).strip()))
    return words


def _with_words(segments: tuple[Segment, ...], words: list[Word]) -> tuple[Segment, ...]:
    """Hand each word to the segment its middle falls in (the answer lists them apart)."""
    if not words:
        return segments
    out, position = [], 0
    for k, segment in enumerate(segments):
        last = k == len(segments) - 1
        mine = []
        while position < len(words) and (
            last or (words[position].start + words[position].end) / 2 < segment.end
        ):
            mine.append(words[position])
            position += 1
        out.append(replace(segment, words=tuple(mine)))
    return tuple(out)


def _segment(chunk: Chunk, item: Any) -> Segment | None:
    if not isinstance(item, dict):
        return None
    start = chunk.start + float(item.get("start") or 0.0)
    end = min(chunk.start + float(item.get("end") or 0.0), chunk.end)
    logprob = item.get("avg_logprob")
    speaker = item.get("speaker")
    return Segment(
        start=start,
        end=max(start, end),
        text=str(item.get("text") or "").strip(),
        confidence=math.exp(float(logprob)) if logprob is not None else 1.0,
        no_speech_prob=float(item.get("no_speech_prob") or 0.0),
        speaker=str(speaker) if speaker is not None else None,
    )

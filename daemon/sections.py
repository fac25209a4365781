"""The sections of the settings: one frozen pydantic model per ``[table]`` of minutes.toml.

``config.py`` assembles them into ``Settings`` and resolves where each value comes from; the
sections only say what each value may be.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_REMOTE_TRANSCRIBER = "gpt-4o-mini-transcribe"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())


class TranscriberSettings(_Section):
    name: Literal["local", "openai"] = Field(
        "local", description="local: faster-whisper in-process; openai: an OpenAI-compatible API"
    )
    model: str = Field("base", description="model name (tiny, base, small, ...) or a folder path")
    model_dir: Path | None = Field(None, description="where models are cached; default user cache")
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = Field(0, ge=0, description="0 lets CTranslate2 choose")
    beam_size: int = Field(5, ge=1, le=20)
    language: str = Field("auto", description="ISO code such as 'en', or 'auto' to detect")
    initial_prompt: str = Field("", description="vocabulary hint: names and jargon to expect")
    # Silero VAD (shipped with faster-whisper) drops non-speech before Whisper sees it: faster on
    # recordings with pauses, and no "You You You" hallucinated over silence. Measured with
    # bench/bench_transcribe.py --meetings --pauses, with and without it (bench/README.md).
    vad: bool = Field(True, description="local: skip non-speech with faster-whisper's Silero VAD")
    vad_min_silence_ms: int = Field(
        2000, ge=100, description="local: shortest non-speech the VAD cuts out"
    )
    concurrency: int = Field(
        4, ge=1, le=32, description="openai: chunks of one recording sent at the same time"
    )
    upload_format: Literal["mp3", "ogg"] = Field(
        "mp3", description="openai: how chunks are encoded for upload (mono 16 kHz)"
    )
    upload_kbps: int = Field(32, ge=8, le=192, description="openai: upload bitrate")

    @model_validator(mode="after")
    def _remote_default_model(self) -> TranscriberSettings:
        # "base" is a local model; the remote backend's default is OpenAI's cheapest good one.
        if self.name == "openai" and "model" not in self.model_fields_set:
            self.__dict__["model"] = DEFAULT_REMOTE_TRANSCRIBER
        return self


class ChunkingSettings(_Section):
    max_seconds: float = Field(
        600.0, ge=5.0, description="longest chunk; memory grows about 0.25 MB per second of it"
    )
    search_seconds: float = Field(
        30.0, ge=0.0, description="how far before the limit to look for a pause"
    )
    min_pause_ms: int = Field(400, ge=50, description="shortest silence that counts as a pause")
    silence_db: float = Field(
        -16.0, le=0.0, description="pause threshold relative to the loudness around it"
    )
    overlap_seconds: float = Field(
        1.0, ge=0.0, le=10.0, description="overlap where a cut falls in speech"
    )

    @model_validator(mode="after")
    def _search_fits(self) -> ChunkingSettings:
        if self.search_seconds >= self.max_seconds:
            raise ValueError("search_seconds must be smaller than max_seconds")
        return self


class SummarizerSettings(_Section):
    name: Literal["extractive", "rules", "openai", "none"] = Field(
        "extractive",
        description="extractive: embedded, deterministic; rules: embedded rule families on a "
        "spaCy parse (issue 10); openai: an OpenAI-compatible chat model; none: transcript only",
    )
    model: str = Field("gpt-4o-mini", description="openai: the chat model")
    mode: Literal["sync", "batch"] = Field(
        "sync",
        description="openai: batch submits summaries through the Batch API (cheaper, slower)",
    )
    response_format: Literal["auto", "json_schema", "json_object"] = Field(
        "auto",
        description="auto: strict JSON schema, falling back to JSON mode where the server "
        "does not take json_schema",
    )
    max_output_tokens: int = Field(4096, ge=256, description="openai: room for one answer")
    window_tokens: int = Field(
        24_000, ge=1_000, description="openai: transcript tokens per call; longer is map-reduced"
    )
    temperature: float | None = Field(
        0.0, ge=0.0, le=2.0, description="openai: unset (None) for models that refuse it"
    )
    seed: int | None = Field(7, description="openai: sampling seed, where the server takes one")
    batch_poll_interval: float = Field(
        300.0, gt=0.0, description="openai batch mode: seconds between polls"
    )


class ModelPrice(_Section):
    """Prices in US dollars. Models not in the table cost nothing (self-hosted servers)."""

    audio_minute: float = Field(0.0, ge=0.0, description="per minute of audio transcribed")
    input_mtok: float = Field(0.0, ge=0.0, description="per million input tokens")
    output_mtok: float = Field(0.0, ge=0.0, description="per million output tokens")
    batch_discount: float = Field(
        0.5, ge=0.0, le=1.0, description="fraction of the price paid through the Batch API"
    )


DEFAULT_PRICES: dict[str, dict[str, float]] = {
    "whisper-1": {"audio_minute": 0.006},
    "gpt-4o-transcribe": {"audio_minute": 0.006},
    "gpt-4o-mini-transcribe": {"audio_minute": 0.003},
    "gpt-4o-transcribe-diarize": {"audio_minute": 0.006},
    "gpt-4o-mini": {"input_mtok": 0.15, "output_mtok": 0.60},
    "gpt-4o": {"input_mtok": 2.50, "output_mtok": 10.00},
    "gpt-4.1-nano": {"input_mtok": 0.10, "output_mtok": 0.40},
    "gpt-4.1-mini": {"input_mtok": 0.40, "output_mtok": 1.60},
    "gpt-4.1": {"input_mtok": 2.00, "output_mtok": 8.00},
    "gpt-5-nano": {"input_mtok": 0.05, "output_mtok": 0.40},
    "gpt-5-mini": {"input_mtok": 0.25, "output_mtok": 2.00},
    "gpt-5": {"input_mtok": 1.25, "output_mtok": 10.00},
    "text-embedding-3-small": {"input_mtok": 0.02},
    "text-embedding-3-large": {"input_mtok": 0.13},
}


class OpenAISettings(_Section):
    """The OpenAI (or compatible) server used by the ``openai`` backends.

    The API key is never a setting: it comes from the environment variable ``api_key_env`` or
    from the file ``api_key_file``, so config files can be shared and printed safely.
    """

    base_url: str | None = Field(
        None, description="a compatible server, e.g. http://localhost:11434/v1; default OpenAI"
    )
    api_key_env: str = Field("OPENAI_API_KEY", description="environment variable with the key")
    api_key_file: Path | None = Field(None, description="file holding the key (first line)")
    organization: str | None = None
    project: str | None = None
    timeout: float = Field(120.0, gt=0.0, description="seconds to wait for one answer")
    connect_timeout: float = Field(10.0, gt=0.0)
    max_retries: int = Field(
        4, ge=0, le=20, description="retries after 5xx, timeouts and lost connections"
    )
    backoff_initial: float = Field(1.0, ge=0.0, description="first wait before a retry, seconds")
    backoff_max: float = Field(60.0, ge=0.0, description="longest wait between retries")
    unavailable_factor: float = Field(4.0, ge=1.0, description="503 waits this much longer")
    rate_limit_max_wait: float = Field(
        120.0, ge=0.0, description="longer Retry-After waits reschedule the job instead"
    )
    rate_limit_retries: int = Field(8, ge=0, description="429 waits in a row before rescheduling")
    pause_retry_interval: float = Field(
        1800.0, gt=0.0, description="after a bad key or no quota, try again after this long"
    )
    daily_budget_usd: float | None = Field(None, ge=0.0, description="spend cap per UTC day")
    monthly_budget_usd: float | None = Field(None, ge=0.0, description="spend cap per UTC month")
    prices: dict[str, ModelPrice] = Field(
        default_factory=lambda: {k: ModelPrice(**v) for k, v in DEFAULT_PRICES.items()},
        description="USD prices per model; a snapshot name uses its longest matching prefix",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_key_in_settings(cls, data: Any) -> Any:
        if isinstance(data, dict) and "api_key" in data:
            raise ValueError(
                "the API key is never read from settings; put it in the environment variable "
                "named by openai.api_key_env (default OPENAI_API_KEY) or in openai.api_key_file"
            )
        if isinstance(data, dict) and isinstance(data.get("prices"), dict):
            data = {**data, "prices": {**DEFAULT_PRICES, **data["prices"]}}
        return data


class DigestSettings(_Section):
    enabled: bool = True
    timezone: str | None = Field(None, description="IANA zone, e.g. Europe/Berlin; default: local")
    daily: str | None = Field(
        "0 17 * * mon-fri", description="crontab (minute hour day month weekday) or none"
    )
    weekly: str | None = Field("0 9 * * mon", description="crontab, or none")
    skip_empty: bool = Field(False, description="write no digest for a period without meetings")
    folder: str = Field("digests", description="folder inside the outbox")

    @field_validator("daily", "weekly")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value in (None, "", "none", "off"):
            return None
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"not a crontab expression: {exc}") from exc
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str | None) -> str | None:
        if value:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {value!r}") from exc
        return value


HookEvent = Literal["report", "digest"]


def _all_hook_events() -> list[HookEvent]:
    return ["report", "digest"]


class HooksSettings(_Section):
    on: list[HookEvent] = Field(default_factory=_all_hook_events)
    command: list[str] | None = Field(None, description="run with the file's path appended")
    webhook_url: str | None = Field(None, description="POST a JSON document here")
    timeout_seconds: float = Field(10.0, gt=0)
    retries: int = Field(3, ge=0, le=10)


class DiarizerSettings(_Section):
    """Who said it: the local diarizer (CAM++ voices, offline) or none."""

    name: Literal["local", "none"] = Field(
        "local", description="local: label speakers offline; none: no speaker labels"
    )
    num_speakers: int | None = Field(None, ge=1, le=20, description="exact count, when known")
    min_speakers: int | None = Field(None, ge=1, le=20)
    max_speakers: int | None = Field(None, ge=1, le=20)
    roster: list[str] = Field(
        default_factory=list,
        description="expected attendees (names); also <recording>.attendees.txt beside a file",
    )
    min_name_confidence: float = Field(
        0.35, ge=0.0, le=1.0, description="below this a speaker stays 'Speaker N'"
    )
    voice_profiles: bool = Field(
        False,
        description="remember named voices across meetings (biometric data: off by default)",
    )
    profile_threshold: float = Field(
        0.6, ge=0.0, le=1.0, description="cosine similarity for a voice to match a profile"
    )
    threads: int = Field(1, ge=1, le=16, description="onnxruntime threads for voice embeddings")

    @model_validator(mode="after")
    def _consistent_counts(self) -> DiarizerSettings:
        low, high = self.min_speakers, self.max_speakers
        if low is not None and high is not None and low > high:
            raise ValueError("min_speakers is larger than max_speakers")
        return self

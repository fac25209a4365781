"""Settings: one pydantic model, resolved in one order.

Precedence, highest first: CLI flags (``--inbox``, ``--set key=value``), ``MINUTES_*`` environment
variables (nested keys with ``__``: ``MINUTES_TRANSCRIBER__MODEL``), the config file, defaults.
The config file is ``--config FILE``, else ``$MINUTES_CONFIG``, else ``./minutes.toml``, else
``minutes.toml`` in the user config directory. Relative folders in a config file are relative to
that file; elsewhere they are relative to the working directory. Unknown keys are errors.
"""

from __future__ import annotations

import contextvars
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from daemon.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_FILE_NAME = "minutes.toml"
ENV_PREFIX = "MINUTES_"

AUDIO_EXTENSIONS = [
    "m4a", "mp3", "wav", "flac", "ogg", "oga", "opus", "webm", "mp4", "aac", "mkv", "mov",
    "wma", "amr", "aiff", "aif", "3gp", "caf",
]  # fmt: skip
IGNORED_PATTERNS = [
    ".*", "*.part", "*.crdownload", "*.tmp", "*.download", "~$*", ".syncthing.*", "._*",
    "*.error.txt",
]  # fmt: skip

DEFAULT_REMOTE_TRANSCRIBER = "gpt-4o-mini-transcribe"
_FOLDER_KEYS = ("inbox", "outbox", "archive", "failed", "state_dir", "templates")
_SECRET_WORDS = re.compile(r"key|token|secret|password", re.IGNORECASE)


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
    name: Literal["extractive", "openai", "none"] = Field(
        "extractive",
        description="extractive: embedded, deterministic; openai: an OpenAI-compatible chat "
        "model; none: transcript only",
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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    inbox: Path = Path("inbox")
    outbox: Path = Path("outbox")
    archive: Path = Path("archive")
    failed: Path = Path("failed")
    state_dir: Path = Field(Path(".minutes"), description="the ledger database and model locks")
    templates: Path | None = Field(None, description="folder whose templates override the defaults")
    after_success: Literal["archive", "keep", "delete"] = "archive"
    stability_delay: float = Field(
        5.0, ge=0.0, description="seconds without change before a file is taken"
    )
    rescan_interval: float = Field(300.0, gt=0.0, description="seconds between full inbox scans")
    polling: bool = Field(False, description="use a polling observer instead of native events")
    polling_interval: float = Field(2.0, gt=0.0)
    max_file_mb: float = Field(4096.0, gt=0.0, description="larger recordings are rejected")
    # A few MB of Opus can decode to ten hours of silence (issue 8): such a file is rejected at
    # probe time by its declared length, and decoding stops once it passes the cap.
    max_duration_hours: float = Field(8.0, gt=0.0, description="longer recordings are rejected")
    extensions: list[str] = Field(default_factory=lambda: list(AUDIO_EXTENSIONS))
    ignore: list[str] = Field(default_factory=lambda: list(IGNORED_PATTERNS))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    transcriber: TranscriberSettings = TranscriberSettings()
    chunking: ChunkingSettings = ChunkingSettings()
    summarizer: SummarizerSettings = SummarizerSettings()
    digest: DigestSettings = DigestSettings()
    hooks: HooksSettings = HooksSettings()
    openai: OpenAISettings = OpenAISettings()

    @field_validator("extensions")
    @classmethod
    def _normalise_extensions(cls, value: list[str]) -> list[str]:
        return [ext.lower().lstrip(".") for ext in value]

    @model_validator(mode="after")
    def _absolute_folders(self) -> Settings:
        # Frozen model: write through __dict__ once, at construction.
        for key in _FOLDER_KEYS:
            folder = getattr(self, key)
            if folder is not None:
                self.__dict__[key] = Path(folder).expanduser().absolute()
        return self

    @property
    def database(self) -> Path:
        return self.state_dir / "ledger.db"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        file_source = InitSettingsSource(settings_cls, init_kwargs=_file_values.get({}))
        return (init_settings, env_settings, file_source)


# The config file's values for the Settings being built (pydantic-settings calls the sources
# hook on the class, so this is how load_settings hands them over).
_file_values: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("minutes_file_values")


def find_config_file(explicit: Path | None = None) -> Path | None:
    """The config file in force, or None when there is none (defaults and environment only)."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        return explicit
    from_env = os.environ.get(f"{ENV_PREFIX}CONFIG")
    if from_env:
        return find_config_file(Path(from_env))
    for candidate in (Path.cwd() / CONFIG_FILE_NAME, user_config_dir() / CONFIG_FILE_NAME):
        if candidate.is_file():
            return candidate
    return None


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir("minutes"))


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    base = path.parent.absolute()
    for key in _FOLDER_KEYS:
        if isinstance(data.get(key), str):
            data[key] = str(base / Path(data[key]).expanduser())
    for section, key in (("transcriber", "model_dir"), ("openai", "api_key_file")):
        table = data.get(section)
        if isinstance(table, dict) and isinstance(table.get(key), str):
            table[key] = str(base / Path(table[key]).expanduser())
    return data


def load_settings(
    config_file: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Resolve settings from every source; raise ConfigError naming the first bad key."""
    path = find_config_file(config_file)
    file_data = read_config_file(path) if path else {}
    token = _file_values.set(file_data)
    try:
        return Settings(**nest_dotted(overrides or {}))
    except ValidationError as exc:
        raise _config_error(exc, _source_of(exc, file_data, path)) from exc
    finally:
        _file_values.reset(token)


def nest_dotted(flat: Mapping[str, Any]) -> dict[str, Any]:
    """{"transcriber.model": "tiny"} -> {"transcriber": {"model": "tiny"}}."""
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        *parents, leaf = dotted.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


def _source_of(exc: ValidationError, file_data: dict[str, Any], path: Path | None) -> str:
    """Say where the first bad value came from: flag, environment or file (in that order)."""
    loc = [str(part) for part in exc.errors()[0]["loc"]]
    variable = ENV_PREFIX + "__".join(loc).upper()
    if variable in os.environ:
        return f" (environment variable {variable})"
    node: Any = file_data
    for part in loc:
        node = node.get(part) if isinstance(node, dict) else None
    if node is not None and path is not None:
        return f" (config file {path})"
    return ""


def _config_error(exc: ValidationError, where: str) -> ConfigError:
    first = exc.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return ConfigError(f"unknown setting {key!r}{where}", key=key)
    return ConfigError(f"invalid setting {key!r}: {first['msg']}{where}", key=key)


def masked(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, with anything secret-looking masked."""
    data: dict[str, Any] = mask_secrets(settings.model_dump(mode="json"))
    return data


def mask_secrets(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: mask_secrets(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v, key) for v in value]
    # "api_key_env" and "api_key_file" name where a secret is, which is worth seeing.
    reference = key.endswith(("_env", "_file", "_path"))
    if value and isinstance(value, str) and _SECRET_WORDS.search(key) and not reference:
        return "****"
    return value

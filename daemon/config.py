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

_FOLDER_KEYS = ("inbox", "outbox", "archive", "failed", "state_dir", "templates")
_SECRET_WORDS = re.compile(r"key|token|secret|password", re.IGNORECASE)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())


class TranscriberSettings(_Section):
    name: Literal["local"] = "local"
    model: str = Field("base", description="model name (tiny, base, small, ...) or a folder path")
    model_dir: Path | None = Field(None, description="where models are cached; default user cache")
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = Field(0, ge=0, description="0 lets CTranslate2 choose")
    beam_size: int = Field(5, ge=1, le=20)
    language: str = Field("auto", description="ISO code such as 'en', or 'auto' to detect")
    initial_prompt: str = Field("", description="vocabulary hint: names and jargon to expect")


class ChunkingSettings(_Section):
    max_seconds: float = Field(
        180.0, ge=5.0, description="longest chunk; memory grows about 1 MB per second of it"
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
    name: Literal["extractive", "none"] = Field(
        "extractive", description="extractive: embedded, deterministic; none: transcript only"
    )


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
    extensions: list[str] = Field(default_factory=lambda: list(AUDIO_EXTENSIONS))
    ignore: list[str] = Field(default_factory=lambda: list(IGNORED_PATTERNS))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    transcriber: TranscriberSettings = TranscriberSettings()
    chunking: ChunkingSettings = ChunkingSettings()
    summarizer: SummarizerSettings = SummarizerSettings()
    digest: DigestSettings = DigestSettings()
    hooks: HooksSettings = HooksSettings()

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
    transcriber = data.get("transcriber")
    if isinstance(transcriber, dict) and isinstance(transcriber.get("model_dir"), str):
        transcriber["model_dir"] = str(base / Path(transcriber["model_dir"]).expanduser())
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
    if value and isinstance(value, str) and _SECRET_WORDS.search(key):
        return "****"
    return value

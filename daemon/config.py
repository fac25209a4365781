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
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from daemon.errors import ConfigError
from daemon.sections import (
    ChunkingSettings,
    DiarizerSettings,
    DigestSettings,
    HooksSettings,
    OpenAISettings,
    SummarizerSettings,
    TranscriberSettings,
)
from daemon.sections_ops import (
    AuditSettings,
    ExecutorSettings,
    MetricsSettings,
    PrivacySettings,
    SearchSettings,
)

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
    diarizer: DiarizerSettings = DiarizerSettings()
    privacy: PrivacySettings = PrivacySettings()
    audit: AuditSettings = AuditSettings()
    metrics: MetricsSettings = MetricsSettings()
    search: SearchSettings = SearchSettings()
    executor: ExecutorSettings = ExecutorSettings()

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

    @model_validator(mode="after")
    def _audio_may_leave(self) -> Settings:
        # Audio cannot be redacted: refusing it is the only way to keep it on the machine.
        if not self.privacy.remote_audio and self.transcriber.name == "openai":
            raise ConfigError(
                "privacy.remote_audio is false, so the remote transcriber "
                f"{self.transcriber.name!r} is refused (audio cannot be redacted); "
                'use transcriber.name = "local"',
                key="privacy.remote_audio",
            )
        # The remote embedder gets passages as they are: with redaction on it would be the one
        # remote path that sends names and numbers.
        if self.privacy.redact and self.search.embedder == "openai":
            raise ConfigError(
                'privacy.redact is on, but search.embedder = "openai" would send transcript '
                'passages unredacted; use search.embedder = "local" (offline) or "none"',
                key="search.embedder",
            )
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

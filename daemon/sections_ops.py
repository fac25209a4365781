"""Settings sections for operating Minutes in regulated and shared settings.

Privacy (redaction before anything leaves the machine), the audit trail of remote calls,
Prometheus metrics and semantic search. Kept apart from ``sections.py``, which holds the
pipeline's own stages; ``config.py`` assembles both into ``Settings``.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Presidio's entity names; the ones people say in meetings and that identify someone.
DEFAULT_ENTITIES = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "US_BANK_NUMBER",
    "IP_ADDRESS",
    "LOCATION",
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())


class PrivacySettings(_Section):
    """What may leave the machine, and in what form."""

    redact: bool = Field(
        False, description="replace names, e-mails, numbers... by placeholders in remote summaries"
    )
    entities: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ENTITIES), description="Presidio entity types"
    )
    allow: list[str] = Field(default_factory=list, description="words never redacted")
    deny: list[str] = Field(
        default_factory=list, description="words always redacted (client names, code names)"
    )
    remote_audio: bool = Field(
        True, description="false refuses a remote transcriber: audio cannot be redacted"
    )


class AuditSettings(_Section):
    """The hash-chained record of every remote call (``audit.jsonl`` in ``state_dir``).

    The trail is always written; these settings say how much it keeps and how large a file gets.
    """

    bodies: bool = Field(
        False,
        description="also keep the request and response bodies as sent (redacted when "
        "privacy.redact is on); audio only as its size and SHA-256",
    )
    max_file_mb: float = Field(
        64.0, gt=0.0, description="rotate audit.jsonl past this size; the chain continues"
    )


class MetricsSettings(_Section):
    """Prometheus metrics, served on loopback when a port is set."""

    port: int | None = Field(
        None, ge=0, le=65535, description="serve /metrics on this port (0: any free one, logged)"
    )
    host: str = Field("127.0.0.1", description="address to bind; loopback by default")


class SearchSettings(_Section):
    """How passages are embedded for search and ``minutes ask``."""

    # "local" is the default: on bench/bench_retrieval.py's 45 questions about the shared
    # meetings its fusion with BM25 has MRR 0.85 against BM25's 0.79 (paraphrases 0.74 / 0.63),
    # at about a second of CPU per 4-minute meeting.
    embedder: Literal["none", "local", "openai"] = Field(
        "local",
        description="local: all-MiniLM-L6-v2 on this machine; openai: an embeddings endpoint; "
        "none: keyword search (BM25) only",
    )
    model: str = Field("text-embedding-3-small", description="openai: the embeddings model")
    batch_size: int = Field(64, ge=1, le=2048, description="passages per embeddings request")


class ExecutorSettings(_Section):
    """Where chunks are transcribed: in this process, or on a pool of Celery workers."""

    name: Literal["local", "celery"] = Field(
        "local", description="local: in the daemon; celery: on workers reached through a broker"
    )
    broker_url: str | None = Field(
        None, description="redis://host:6379/0 or rediss:// for TLS; no password here"
    )
    broker_password_env: str | None = Field(
        None, description="environment variable that holds the broker password"
    )
    broker_password_file: str | None = Field(None, description="file that holds the password")
    queue: str = Field("minutes", description="the Celery queue chunk tasks go to")
    task_timeout: float = Field(
        900.0, gt=0.0, description="seconds a chunk task may take before it is sent again"
    )
    max_in_flight: int = Field(8, ge=1, le=256, description="chunk tasks per recording at once")
    concurrency: int = Field(
        1, ge=1, le=64, description="minutes worker: chunks at once per worker"
    )
    codec: Literal["flac", "opus"] = Field(
        "flac", description="how chunk audio travels: flac (lossless) or opus (a tenth the size)"
    )
    opus_kbps: int = Field(32, ge=6, le=256, description="opus bitrate, kbit/s")
    carry_prompt: bool = Field(
        True,
        description="local: prompt each chunk with the previous chunk's last words; celery "
        "chunks run side by side and never do (false here makes local match celery exactly)",
    )

    @field_validator("broker_url")
    @classmethod
    def _no_password_in_url(cls, value: str | None) -> str | None:
        # A password in the URL would sit in a config file that is meant to be shareable, and
        # in every `minutes config`: it comes from broker_password_env or _file instead.
        if value is None:
            return value
        parsed = urlsplit(value)
        if parsed.scheme not in ("redis", "rediss"):
            raise ValueError("must start with redis:// or rediss://")
        if parsed.password:
            raise ValueError(
                "must not contain a password; use executor.broker_password_env or "
                "executor.broker_password_file"
            )
        return value

"""Settings sections for operating Minutes in regulated and shared settings.

Privacy (redaction before anything leaves the machine), the audit trail of remote calls,
Prometheus metrics and semantic search. Kept apart from ``sections.py``, which holds the
pipeline's own stages; ``config.py`` assembles both into ``Settings``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Presidio's entity names; the ones people say in meetings and that identify someone.
DEFAULT_ENTITIES = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
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
    """The hash-chained record of every remote call (``audit.jsonl`` in ``state_dir``)."""

    bodies: bool = Field(False, description="also keep the (redacted) request and response bodies")
    max_file_mb: float = Field(
        64.0, gt=0.0, description="rotate audit.jsonl past this size; the chain continues"
    )


class MetricsSettings(_Section):
    """Prometheus metrics, served on loopback when a port is set."""

    port: int | None = Field(None, ge=1, le=65535, description="serve /metrics on this port")
    host: str = Field("127.0.0.1", description="address to bind; loopback by default")


class SearchSettings(_Section):
    """How passages are embedded for search and ``minutes ask``."""

    embedder: Literal["none", "openai"] = Field(
        "none", description="none: keyword search (BM25) only; openai: an embeddings endpoint"
    )
    model: str = Field("text-embedding-3-small", description="embeddings model")
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
    concurrency: int = Field(1, ge=1, le=64, description="minutes worker: processes per worker")

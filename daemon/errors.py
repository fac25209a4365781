"""The errors a user can see. The CLI turns each into one line and its ``exit_code``."""

from __future__ import annotations

from pathlib import Path


class MinutesError(Exception):
    """Base of every error Minutes reports to a person.

    ``message`` is the whole line the CLI prints; ``reason`` the part that says what went wrong,
    which a failed recording keeps (its subclasses leave out the file or backend it names).
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = message


class ConfigError(MinutesError):
    """The settings are invalid; ``key`` names the offending setting when one is to blame."""

    exit_code = 2

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class InputError(MinutesError):
    """A recording cannot be used: unreadable, empty, no audio, too large, truncated."""

    exit_code = 3

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


class ModelError(MinutesError):
    """A transcription model could not be found, assembled or loaded."""

    exit_code = 4

    def __init__(self, model: str, reason: str) -> None:
        super().__init__(f"model {model!r}: {reason}")
        self.model = model
        self.reason = reason


class TranscriptionError(MinutesError):
    """A backend failed while transcribing a chunk."""

    exit_code = 5

    def __init__(self, backend: str, reason: str) -> None:
        super().__init__(f"{backend} transcription failed: {reason}")
        self.backend = backend
        self.reason = reason


class LedgerError(MinutesError):
    """The state database is unusable (locked for too long, corrupt, from a newer version)."""

    exit_code = 6


class Interrupted(MinutesError):
    """A stop was requested; work so far is checkpointed and resumes on the next start."""

    exit_code = 130


class ApiError(MinutesError):
    """A call to a remote (OpenAI-compatible) API did not give a usable answer.

    ``backend`` is the configured backend, ``status`` the HTTP status (None when no response
    arrived), ``request_id`` the server's id for the call when it sent one.
    """

    exit_code = 7

    def __init__(
        self,
        backend: str,
        reason: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(f"{backend} API: {reason}")
        self.backend = backend
        self.reason = reason
        self.status = status
        self.request_id = request_id


class ApiRequestError(ApiError):
    """The API rejected the request itself (400, 404, 422, a refusal, an unusable answer).

    Retrying the same request cannot help; the recording fails with the API's message.
    """


class ApiUnavailable(ApiError):
    """Server errors, timeouts or lost connections outlasted the bounded retries; the item fails."""


class ApiDeferred(ApiError):
    """The call must not be made now; the work stays queued and is tried again at ``until``.

    ``until`` is a UNIX time, or None for "on the next start".
    """

    def __init__(
        self,
        backend: str,
        reason: str,
        *,
        until: float | None,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(backend, reason, status=status, request_id=request_id)
        self.until = until


class ApiPaused(ApiDeferred):
    """All API work stops: bad key (401/403), no quota (429 insufficient_quota) or a budget cap.

    ``kind`` is ``auth``, ``quota`` or ``budget``; the pause is kept in the ledger so that
    ``minutes status`` can say why, and it survives a restart only for budgets.
    """

    def __init__(
        self,
        backend: str,
        reason: str,
        *,
        kind: str,
        until: float | None,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(backend, reason, until=until, status=status, request_id=request_id)
        self.kind = kind


class RateLimited(ApiDeferred):
    """429 with a wait longer than the in-process cap: this job is rescheduled, the rest go on."""


class BatchPending(ApiDeferred):
    """The recording's summary was submitted to the Batch API; the poller finishes it later."""


class AuditError(MinutesError):
    """The audit trail of remote calls is broken (``path``, 1-based ``line``) or unwritable."""

    exit_code = 9

    def __init__(self, reason: str, *, path: Path | None = None, line: int | None = None) -> None:
        where = f"{path.name} line {line}: " if path is not None and line is not None else ""
        where = where or (f"{path.name}: " if path is not None else "")
        super().__init__(f"audit trail: {where}{reason}")
        self.path = path
        self.line = line
        self.reason = reason


class BrokerUnavailable(ApiDeferred):
    """The Celery executor's broker cannot be reached: the recording stays queued and waits."""

    def __init__(self, broker: str, reason: str, *, until: float | None) -> None:
        super().__init__("celery", reason, until=until)
        self.broker = broker
        # The recording keeps the reason ("waiting: ..."): it must say which broker.
        self.message = self.reason = f"broker {broker}: {reason}"

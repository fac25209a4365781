"""The one way Minutes calls a remote API: ``ApiClient.call``.

The SDK client is built with ``max_retries=0``: its own retries would also retry a 429
``insufficient_quota`` and would hide every attempt from the ledger. Instead ``call`` applies
Minutes' taxonomy, records every attempt (backend, endpoint, model, request id, status, latency,
tokens, audio seconds, cost) and raises one of the errors in ``daemon.errors``:

- 400/404/409/422 and other 4xx: ``ApiRequestError`` at once; the recording fails with the API's
  message.
- 401/403, 429 ``insufficient_quota``: ``ApiPaused``; the pause is written to the ledger, every
  further call (a retry too) is refused without touching the network until
  ``pause_retry_interval`` has passed or the daemon restarts. Then one call probes while the
  others wait for its answer: a success lifts the pause, a refusal renews it.
- 429 otherwise: wait with jitter, at least ``Retry-After``; a wait longer than
  ``rate_limit_max_wait`` (or too many waits) raises ``RateLimited`` so the job is rescheduled
  instead of holding a worker.
- 5xx, 408, timeouts, lost connections, cut or malformed bodies: bounded retries with exponential
  backoff and jitter (503 waits ``unavailable_factor`` times longer), then ``ApiUnavailable``.
- A cap in ``daily_budget_usd``/``monthly_budget_usd`` that the call would pass: ``ApiPaused``
  (kind ``budget``) before anything is sent.

Only the probe's success lifts a pause (issue 8). With ``transcriber.concurrency`` above 1, calls
sent just before a refusal answer after it; their answers say nothing about a key refused or a
quota used up since they were sent, and when they lifted the pause the queue rushed on into the
same refusal again.

The recording a call is made for comes from the ``current_recording`` context variable, which the
pipeline sets, so backends need not pass it around.

Every attempt, and every call refused before sending, also goes into the hash-chained audit trail
(``daemon.api.audit``, issue 11) with the SHA-256 of the exact bytes sent and received
(``daemon.api.capture``); the ledger row is written first, then the audit record. No backend
writes either itself.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic

from daemon.api import answers, capture
from daemon.api.audit import AuditLog
from daemon.api.audit_entry import call_fields
from daemon.api.costs import Metered, cost_of
from daemon.api.gate import Gate
from daemon.config import Settings
from daemon.errors import (
    ApiPaused,
    ApiRequestError,
    ApiUnavailable,
    ConfigError,
    Interrupted,
    RateLimited,
)
from daemon.ledger import ApiCall, Ledger
from daemon.sections import OpenAISettings
from daemon.sections_ops import AuditSettings

if TYPE_CHECKING:
    import openai

log = logging.getLogger("daemon.api.client")

T = TypeVar("T")

current_recording: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "minutes_current_recording", default=None
)

# A server that does not need a key (Ollama, llama.cpp, vLLM without --api-key) still gets one,
# because the SDK refuses to send a request without.
_NO_KEY = "not-needed"
_TRANSIENT_4XX = frozenset({408, 409})


@contextmanager
def for_recording(recording_id: int | None) -> Iterator[None]:
    token = current_recording.set(recording_id)
    try:
        yield
    finally:
        current_recording.reset(token)


def resolve_api_key(settings: OpenAISettings) -> str:
    """The key from ``$api_key_env``, else ``api_key_file``; a placeholder for local servers."""
    from_env = os.environ.get(settings.api_key_env, "").strip()
    if from_env:
        return from_env
    if settings.api_key_file is not None:
        try:
            lines = settings.api_key_file.read_text(encoding="utf-8").split()
        except OSError as exc:
            raise ConfigError(
                f"cannot read openai.api_key_file {settings.api_key_file}: {exc.strerror}",
                key="openai.api_key_file",
            ) from exc
        if lines:
            return lines[0]
        raise ConfigError(
            f"openai.api_key_file {settings.api_key_file} is empty", key="openai.api_key_file"
        )
    if settings.base_url:
        return _NO_KEY
    raise ConfigError(
        f"no OpenAI API key: set ${settings.api_key_env}, or openai.api_key_file, or point "
        "openai.base_url at a compatible server",
        key="openai.api_key_env",
    )


def api_client_for(
    settings: Settings, ledger: Ledger, stop: threading.Event | None = None
) -> ApiClient | None:
    """The client for ``[openai]`` when a configured backend uses it, else None."""
    if settings.transcriber.name == "openai" or settings.summarizer.name == "openai":
        audit = AuditLog(settings.state_dir, settings.audit)
        return ApiClient(settings.openai, ledger, stop=stop, audit=audit)
    return None


class ApiClient:
    """Builds the SDK client once and runs every call through ``call``.

    ``sleep`` waits between attempts and returns True when a stop was requested meanwhile.
    ``audit`` is the trail to write; by default ``audit.jsonl`` beside the ledger, the state dir.
    """

    def __init__(
        self,
        settings: OpenAISettings,
        ledger: Ledger,
        *,
        backend: str = "openai",
        stop: threading.Event | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.backend = backend
        self.stop = stop or threading.Event()
        self.audit = audit or AuditLog(ledger.path.parent, AuditSettings())
        self.gate = Gate(settings, ledger, backend, self.stop)
        self._api_key = resolve_api_key(settings)
        self._sdk: openai.OpenAI | None = None
        self._lock = threading.Lock()

    @property
    def sdk(self) -> openai.OpenAI:
        with self._lock:
            if self._sdk is None:
                import openai

                s = self.settings
                self._sdk = openai.OpenAI(
                    api_key=self._api_key,
                    base_url=s.base_url,
                    organization=s.organization,
                    project=s.project,
                    timeout=openai.Timeout(s.timeout, connect=s.connect_timeout),
                    max_retries=0,
                    http_client=capture.http_client(),
                )
            return self._sdk

    def close(self) -> None:
        """Close the SDK's connections (a process that ends need not; a test that makes many
        clients must, or their sockets outlive it)."""
        with self._lock:
            if self._sdk is not None:
                self._sdk.close()
                self._sdk = None

    def call(
        self,
        endpoint: str,
        model: str,
        send: Callable[[openai.OpenAI], Any],
        read: Callable[[Any], T],
        meter: Callable[[T], Metered],
        *,
        estimate: Metered,
        batch: bool = False,
    ) -> T:
        """Send with ``send`` (which returns the SDK's raw response), parse it with ``read``.

        ``meter`` says what the answer used; ``estimate`` is what the call is expected to use,
        for the budget check before it is sent.
        """
        attempt = 0
        rate_waits = 0
        while True:
            estimated_cost = cost_of(model, estimate, self.settings.prices, batch=batch)
            number = attempt + rate_waits + 1
            try:
                probed = self.gate.admit(estimated_cost)  # every attempt: no retry while paused
            except ApiPaused as exc:
                self._refused(endpoint, model, exc, number, batch)
                raise
            started = time.monotonic()
            try:
                with capture.capturing() as sent:
                    raw = send(self.sdk)
                    value = read(raw)
            except Exception as exc:
                latency = time.monotonic() - started
                try:
                    wait = self._classify(
                        exc, endpoint, model, latency, (attempt, rate_waits), sent.last
                    )
                finally:
                    # After _classify, so a renewed pause is in the ledger before waiters look.
                    self.gate.release(estimated_cost, probed)
                if answers.is_rate_limit(exc):
                    rate_waits += 1
                else:
                    attempt += 1
                if self._sleep(wait):
                    raise Interrupted(f"stopped while waiting to retry {endpoint}") from exc
                continue
            latency = time.monotonic() - started
            try:
                used = meter(value)
                cost = cost_of(model, used, self.settings.prices, batch=batch)
                self._record(
                    endpoint, model, used.status, latency, request_id=answers.request_id(raw),
                    http_status=answers.http_status(raw), used=used, cost=cost, batch=batch,
                    attempt=number, exchange=sent.last,
                )  # fmt: skip
                if probed is not None:
                    self.gate.lift(probed)
            finally:
                self.gate.release(estimated_cost, probed)
            return value

    def record_usage(
        self, endpoint: str, model: str, used: Metered, *, request_id: str | None = None
    ) -> None:
        """Record usage that arrived without a call of its own (Batch API results)."""
        cost = cost_of(model, used, self.settings.prices, batch=True)
        self._record(
            endpoint, model, used.status, 0.0, request_id=request_id, used=used, cost=cost,
            batch=True, kind="usage",
        )  # fmt: skip

    def _refused(
        self, endpoint: str, model: str, exc: ApiPaused, attempt: int, batch: bool
    ) -> None:
        """A call refused before sending: no ledger row (nothing was spent), an audit record."""
        call = ApiCall(
            backend=self.backend, endpoint=endpoint, model=model, status=f"refused_{exc.kind}",
            latency_s=0.0, recording_id=current_recording.get(), error=exc.reason[:500],
            batch=batch,
        )  # fmt: skip
        self.audit.append(call_fields(call, "refused", attempt=attempt))

    # The taxonomy -----------------------------------------------------------------------------

    def _classify(
        self,
        exc: Exception,
        endpoint: str,
        model: str,
        latency: float,
        tries: tuple[int, int],
        exchange: capture.Exchange | None,
    ) -> float:
        """Record the failed attempt; return how long to wait before the next, or raise.

        ``tries`` counts the earlier failed attempts and the earlier rate-limit waits.
        """
        import openai

        attempt, waits = tries
        s = self.settings
        status = getattr(exc, "status_code", None)
        request_id = getattr(exc, "request_id", None)
        message = answers.api_message(exc)

        def record(outcome: str) -> None:
            self._record(
                endpoint, model, outcome, latency, request_id=request_id, http_status=status,
                error=message[:500], attempt=attempt + waits + 1, exchange=exchange,
            )  # fmt: skip

        if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)) or (
            answers.is_rate_limit(exc) and answers.is_quota(exc)
        ):
            kind = "auth" if status in (401, 403) else "quota"
            record(kind)
            reason = (
                f"the API key was refused ({status}: {message})"
                if kind == "auth"
                else f"the account has no quota left (429 insufficient_quota: {message})"
            )
            reason += "; API work is paused, the queue is kept"
            until = time.time() + s.pause_retry_interval
            log.error("%s API: %s", self.backend, reason)
            self.gate.pause(kind, reason, until)
            raise ApiPaused(
                self.backend, reason, kind=kind, until=until, status=status, request_id=request_id
            ) from exc
        if answers.is_rate_limit(exc):
            record("rate_limited")
            hinted = answers.retry_after(exc)
            backoff = answers.jittered(s.backoff_initial * 2**waits, s.backoff_max)
            wait = max(hinted or 0.0, backoff)
            if wait > s.rate_limit_max_wait or waits >= s.rate_limit_retries:
                log.warning(
                    "%s API: rate limited; rescheduling in %.0f s", self.backend, wait
                )  # fmt: skip
                raise RateLimited(
                    self.backend, f"rate limited ({message}); retrying in {wait:.0f} s",
                    until=time.time() + wait, status=status, request_id=request_id,
                ) from exc  # fmt: skip
            log.info("%s API: rate limited; waiting %.1f s", self.backend, wait)
            return wait
        if (
            isinstance(exc, openai.APIStatusError)
            and status is not None
            and status < 500
            and status not in _TRANSIENT_4XX
        ):
            record("rejected")
            raise ApiRequestError(
                self.backend, f"{status}: {message}", status=status, request_id=request_id
            ) from exc
        transient = isinstance(exc, (openai.APIError, pydantic.ValidationError, ValueError))
        if not transient:
            record("error")
            raise exc
        outcome = answers.transient_kind(exc)
        record(outcome)
        if attempt >= s.max_retries:
            raise ApiUnavailable(
                self.backend,
                f"{outcome} after {attempt + 1} attempts: {message}",
                status=status,
                request_id=request_id,
            ) from exc
        factor = s.unavailable_factor if status == 503 else 1.0
        wait = max(
            answers.retry_after(exc) or 0.0,
            answers.jittered(s.backoff_initial * factor * 2**attempt, s.backoff_max * factor),
        )
        log.warning(
            "%s API: %s on %s (attempt %d of %d); retrying in %.1f s",
            self.backend, outcome, endpoint, attempt + 1, s.max_retries + 1, wait,
        )  # fmt: skip
        return wait

    def _sleep(self, seconds: float) -> bool:
        return self.stop.wait(seconds) if seconds > 0 else self.stop.is_set()

    def _record(
        self,
        endpoint: str,
        model: str,
        status: str,
        latency: float,
        *,
        request_id: str | None = None,
        http_status: int | None = None,
        error: str | None = None,
        used: Metered | None = None,
        cost: float = 0.0,
        batch: bool = False,
        kind: str = "attempt",
        attempt: int | None = None,
        exchange: capture.Exchange | None = None,
    ) -> None:
        used = used or Metered()
        call = ApiCall(
            backend=self.backend, endpoint=endpoint, model=model, status=status,
            latency_s=round(latency, 4), recording_id=current_recording.get(),
            request_id=request_id, http_status=http_status, error=error,
            tokens_in=used.tokens_in, tokens_out=used.tokens_out,
            audio_seconds=used.audio_seconds, cost_usd=cost, batch=batch,
        )  # fmt: skip
        self.ledger.record_call(call)
        self.audit.append(
            call_fields(
                call, kind, attempt=attempt, exchange=exchange, bodies=self.audit.bodies,
                secrets=(self._api_key,),
            )
        )  # fmt: skip

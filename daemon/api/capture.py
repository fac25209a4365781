"""The bytes of each HTTP exchange, as they went out and came back, for the audit trail (issue 11).

The SDK gets an HTTP client with two event hooks. The request hook runs just before the request
is sent and reads its body: the exact bytes on the wire, multipart uploads included (their
boundary is random, so only the bytes sent can be hashed). The response hook reads the body as
the SDK would have read it a moment later (calls are not streamed), after content decoding.

Each attempt of ``ApiClient.call`` opens a ``Capture`` in a context variable; the hooks run in the
thread that sends, so calls sent concurrently from the chunk loop's threads each see their own.
A request sent outside an attempt (there are none) is not captured. Headers are never kept: the
``Authorization`` header carries the API key.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import openai


@dataclass(frozen=True)
class Body:
    """One body: its SHA-256 and size, and the bytes when the audit keeps bodies."""

    sha256: str
    size: int
    content: bytes
    content_type: str


@dataclass(frozen=True)
class Exchange:
    """One HTTP request; the status and request id of its answer; the body if it arrived whole."""

    method: str
    url: str  # scheme, host and path; the query is left out
    request: Body
    status: int | None = None
    request_id: str | None = None  # the server's x-request-id, even when the body was cut off
    response: Body | None = None


class Capture:
    """What one attempt sent and received; normally one exchange (more after a redirect)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []

    @property
    def last(self) -> Exchange | None:
        with self._lock:
            return self._exchanges[-1] if self._exchanges else None

    def sent(self, exchange: Exchange) -> None:
        with self._lock:
            self._exchanges.append(exchange)

    def answered(self, status: int, request_id: str | None) -> None:
        with self._lock:
            if self._exchanges:
                last = self._exchanges[-1]
                self._exchanges[-1] = replace(last, status=status, request_id=request_id)

    def received(self, body: Body) -> None:
        with self._lock:
            if self._exchanges:
                self._exchanges[-1] = replace(self._exchanges[-1], response=body)


_current: contextvars.ContextVar[Capture | None] = contextvars.ContextVar(
    "minutes_api_capture", default=None
)


@contextmanager
def capturing() -> Iterator[Capture]:
    """Capture the HTTP exchanges sent from this thread until the block ends."""
    capture = Capture()
    token = _current.set(capture)
    try:
        yield capture
    finally:
        _current.reset(token)


def body_of(content: bytes, content_type: str) -> Body:
    return Body(hashlib.sha256(content).hexdigest(), len(content), content, content_type)


def _on_request(request: Any) -> None:
    capture = _current.get()
    if capture is None:
        return
    url = request.url
    capture.sent(
        Exchange(
            method=str(request.method),
            url=f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}{url.path}",
            request=body_of(request.read(), str(request.headers.get("content-type", ""))),
        )
    )


def _on_response(response: Any) -> None:
    capture = _current.get()
    if capture is None:
        return
    capture.answered(int(response.status_code), response.headers.get("x-request-id"))
    # A body cut off or timed out raises here, as it would have in the SDK's own read: the
    # exchange then keeps its request, the status and no response body.
    content = response.read()
    capture.received(body_of(content, str(response.headers.get("content-type", ""))))


def http_client() -> openai.DefaultHttpxClient:
    """The SDK's default HTTP client (its timeouts, limits, redirects) with the capture hooks."""
    import openai

    class Client(openai.DefaultHttpxClient):
        # As the SDK's own default client does: an ApiClient has no close(), so the pool's
        # sockets are closed when it is collected instead of being left to the interpreter.
        def __del__(self) -> None:
            if not self.is_closed:
                with contextlib.suppress(Exception):  # nothing to be done about it then
                    self.close()

    return Client(event_hooks={"request": [_on_request], "response": [_on_response]})

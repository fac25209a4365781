"""What the OpenAI SDK's answers and exceptions say: status, retry hints, messages, JSON.

The API client decides what to do (retry, pause, fail); this module only reads. The helpers take
the SDK's objects as ``Any`` because they look at fields that vary between error classes and SDK
versions, each with a fallback.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Mapping
from typing import Any


def is_rate_limit(exc: Exception) -> bool:
    return getattr(exc, "status_code", None) == 429


def is_quota(exc: Exception) -> bool:
    return "insufficient_quota" in (
        getattr(exc, "code", None) or "",
        getattr(exc, "type", None) or "",
    )


def api_message(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        return str(body["message"])
    return str(getattr(exc, "message", None) or exc) or type(exc).__name__


def transient_kind(exc: Exception) -> str:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    if isinstance(exc, openai.APIStatusError):
        return f"http_{exc.status_code}"
    return "bad_response"


def retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    headers: Mapping[str, str] = getattr(response, "headers", None) or {}
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def jittered(seconds: float, cap: float) -> float:
    # "Equal jitter": at least half the backoff, so retries spread out but never rush.
    bounded = min(seconds, cap)
    return bounded / 2 + random.uniform(0, bounded / 2)


def request_id(raw: Any) -> str | None:
    headers = getattr(raw, "headers", None)
    return headers.get("x-request-id") if headers is not None else None


def http_status(raw: Any) -> int | None:
    return getattr(getattr(raw, "http_response", None), "status_code", None)


def read_json(raw: Any) -> dict[str, Any]:
    """The body of a raw SDK response as a JSON object; anything else is a transient error."""
    text = raw.http_response.text
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON in the answer ({exc.msg} at {exc.pos})") from exc
    if not isinstance(body, dict):
        raise ValueError(f"the answer is JSON {type(body).__name__}, not an object")
    return body

"""What one audit record says about a remote call: the ledger's facts plus the bytes' digests.

Every record has the same fields (``None`` where they do not apply), so ``minutes audit show``
and an auditor's script read one shape. ``kind`` is ``attempt`` (an HTTP request was sent, or
its sending failed), ``refused`` (Minutes refused the call before sending anything: a budget cap
or a pause; no digests) or ``usage`` (Batch API results priced when they arrived; the download
that brought them is an attempt of its own).

With ``[audit] bodies = true`` the bodies are kept too, as text exactly as sent and received, so
``sha256(request_body)`` is ``request_sha256``. A multipart upload keeps its form fields, and
per file part its name, type, size and SHA-256; a text part (a Batch JSONL upload) keeps its
text, an audio part never its bytes. A body that is not UTF-8 text keeps its digest only. What
is sent was redacted before the call when ``[privacy] redact`` is on; the placeholder map never
leaves the process and headers (the API key) are never read. As a last guard the key itself is
masked if it ever appears in a kept body.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
from collections.abc import Sequence
from typing import Any

from daemon.api.capture import Body, Exchange
from daemon.ledger import ApiCall

KINDS = ("attempt", "refused", "usage")
_MASK = "***"


def call_fields(
    call: ApiCall,
    kind: str,
    *,
    attempt: int | None = None,
    exchange: Exchange | None = None,
    bodies: bool = False,
    secrets: Sequence[str] = (),
) -> dict[str, Any]:
    """The record of ``call`` (as the ledger has it) and of the bytes ``exchange`` carried."""
    request = exchange.request if exchange else None
    response = exchange.response if exchange else None
    fields: dict[str, Any] = {
        "kind": kind,
        "backend": call.backend,
        "endpoint": call.endpoint,
        "model": call.model,
        "recording_id": call.recording_id,
        "request_id": call.request_id or (exchange.request_id if exchange else None),
        "status": call.status,
        "http_status": call.http_status or (exchange.status if exchange else None),
        "error": call.error,
        "attempt": attempt,
        "latency_s": call.latency_s,
        "tokens_in": call.tokens_in,
        "tokens_out": call.tokens_out,
        "audio_seconds": call.audio_seconds,
        "cost_usd": call.cost_usd,
        "batch": call.batch,
        "method": exchange.method if exchange else None,
        "url": exchange.url if exchange else None,
        "request_sha256": request.sha256 if request else None,
        "request_bytes": request.size if request else None,
        "response_sha256": response.sha256 if response else None,
        "response_bytes": response.size if response else None,
    }
    if bodies:
        fields |= _request_body(request, secrets) | {
            "response_body": _text(response.content, secrets) if response else None
        }
    return fields


def _request_body(body: Body | None, secrets: Sequence[str]) -> dict[str, Any]:
    if body is None:
        return {"request_body": None}
    if body.content_type.lower().startswith("multipart/form-data"):
        form, files = _multipart(body, secrets)
        return {"request_form": form, "request_files": files}
    return {"request_body": _text(body.content, secrets)}


def _text(content: bytes, secrets: Sequence[str]) -> str | None:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    for secret in secrets:
        if secret:
            text = text.replace(secret, _MASK)
    return text


def _multipart(body: Body, secrets: Sequence[str]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    head = f"Content-Type: {body.content_type}\r\n\r\n".encode("latin-1", "replace")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body.content)
    form: dict[str, str] = {}
    files: list[dict[str, Any]] = []
    for part in message.iter_parts() if message.is_multipart() else ():
        name = str(part.get_param("name", "", header="content-disposition"))
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        if filename is None:
            form[name] = _text(content, secrets) or ""
            continue
        content_type = part.get_content_type()
        files.append(
            {
                "field": name,
                "filename": filename,
                "content_type": content_type,
                "bytes": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                # Audio is megabytes and cannot be redacted anyway: its digest identifies it.
                "text": None if content_type.startswith("audio/") else _text(content, secrets),
            }
        )
    return form, files

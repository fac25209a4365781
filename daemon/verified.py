"""Files shipped with Minutes (converted model graphs, tables) read only if they are the ones
their conversion scripts wrote: size first (cheap), then SHA-256."""

from __future__ import annotations

import hashlib
from pathlib import Path

from daemon.errors import ModelError

__all__ = ["read_verified"]


def read_verified(path: Path, size: int, sha256: str) -> bytes:
    """The bytes of ``path``, or `ModelError` naming it unless they have this size and hash."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(str(path), f"cannot be read ({exc})") from exc
    if len(data) != size:
        raise ModelError(str(path), f"is {len(data)} bytes, expected {size}")
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ModelError(str(path), f"has SHA-256 {digest}, expected {sha256}")
    return data

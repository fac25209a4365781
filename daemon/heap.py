"""Handing freed heap pages back to the system (glibc's ``malloc_trim``).

Whisper's decoder and the voice-embedding graph each allocate and free hundreds of MB per
chunk; glibc keeps freed pages for reuse, so without a trim the resident size of a long run
creeps upward and one model's leftovers sit under the other's peak. Elsewhere than glibc
(macOS, musl) there is nothing to call and this does nothing.
"""

from __future__ import annotations

import ctypes
from functools import cache
from typing import Any


@cache
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def give_back() -> None:
    """Return the heap's free pages to the system now."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)

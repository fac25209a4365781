"""Counting tokens, so that a transcript is sent in windows that fit the model.

With ``tiktoken`` installed and its encoding already cached (it downloads encodings on first
use, which an offline daemon cannot do), counts are exact for OpenAI models. Otherwise the count
is an estimate: one token per four characters, OpenAI's rule of thumb for English, plus 10%
margin, because an underestimate would make a window overflow and an overestimate only makes
windows a little smaller. Other languages and self-hosted models' tokenizers differ; the margin
and ``summarizer.window_tokens`` absorb that.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from functools import cache

log = logging.getLogger("daemon.summarize.tokens")

CHARS_PER_TOKEN = 4.0
MARGIN = 1.1


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN * MARGIN)


@cache
def counter_for(model: str) -> Callable[[str], int]:
    """An exact counter when tiktoken can load the model's encoding offline, else the estimate."""
    try:
        import tiktoken

        try:
            encoding = tiktoken.encoding_for_model(model)
        except KeyError:
            encoding = tiktoken.get_encoding("o200k_base")
    except Exception as exc:  # not installed, or the encoding is not cached and cannot be fetched
        log.debug("token counts for %s are estimates (%s)", model, type(exc).__name__)
        return estimate_tokens
    return lambda text: len(encoding.encode(text, disallowed_special=()))


def windows(lines: list[str], budget: int, count: Callable[[str], int]) -> list[list[str]]:
    """Consecutive groups of lines, each within ``budget`` tokens (a longer line stands alone)."""
    groups: list[list[str]] = []
    current: list[str] = []
    size = 0
    for line in lines:
        tokens = count(line) + 1
        if current and size + tokens > budget:
            groups.append(current)
            current, size = [], 0
        current.append(line)
        size += tokens
    if current:
        groups.append(current)
    return groups

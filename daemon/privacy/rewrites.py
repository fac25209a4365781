"""What a reader of spoken forms produces: a span of the original and how it is written."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rewrite:
    """``text[start:end]`` of the original was rewritten as ``written``."""

    start: int
    end: int
    written: str

"""Check an answer's citations: each must name a source the model was given, and its quote must
be in that source's text (the same word-level check as summary evidence,
``daemon.summarize.grounding``: case, punctuation and small differences tolerated). A citation
that fails is dropped, and the answer says so."""

from __future__ import annotations

from dataclasses import dataclass

from daemon.ask.sources import Registry, Source
from daemon.summarize.grounding import Grounder
from daemon.summarize.text import Utterance


@dataclass(frozen=True)
class Citation:
    source: Source
    quote: str


@dataclass(frozen=True)
class Dropped:
    key: str
    quote: str
    reason: str


def check(
    claimed: list[tuple[str, str]], registry: Registry
) -> tuple[list[Citation], list[Dropped]]:
    """(source key, quote) pairs -> the grounded citations and the dropped ones, in order."""
    kept: list[Citation] = []
    dropped: list[Dropped] = []
    for key, quote in claimed:
        source = registry.by_key.get(key.strip().strip("[]"))
        if source is None:
            dropped.append(Dropped(key, quote, "not one of the passages given"))
            continue
        grounder = Grounder([Utterance(0, None, source.text, source.start)])
        if grounder.locate(quote) is None:
            dropped.append(Dropped(key, quote, f"the quote is not in {source.key}"))
            continue
        if all(c.source.key != source.key or c.quote != quote for c in kept):
            kept.append(Citation(source, quote))
    return kept, dropped

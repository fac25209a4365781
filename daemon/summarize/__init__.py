"""Summarizers, chosen by name: every one fills the same ``Summary`` schema.

The grounding check runs after every summarizer, whichever wrote the summary: evidence that is not
in the transcript is kept, marked unverified and counted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Protocol

from daemon.config import SummarizerSettings
from daemon.errors import ConfigError
from daemon.summarize.grounding import ground
from daemon.summarize.schema import Summary
from daemon.summarize.text import Utterance

log = logging.getLogger("daemon.summarize")


class Summarizer(Protocol):
    name: str

    def summarize(self, utterances: Sequence[Utterance], meeting_date: date) -> Summary:
        """Summarize a meeting; relative dates resolve against ``meeting_date``."""
        ...


def create_summarizer(settings: SummarizerSettings) -> Summarizer | None:
    """The configured summarizer, or None when summaries are switched off."""
    if settings.name == "none":
        return None
    if settings.name == "extractive":
        from daemon.summarize.extractive import ExtractiveSummarizer

        return ExtractiveSummarizer()
    raise ConfigError(f"unknown summarizer {settings.name!r}", key="summarizer.name")


def summarize(
    summarizer: Summarizer, utterances: Sequence[Utterance], meeting_date: date
) -> Summary:
    summary = ground(summarizer.summarize(utterances, meeting_date), utterances)
    if summary.unverified:
        log.warning(
            "%s: %d items rest on evidence not found in the transcript",
            summarizer.name,
            summary.unverified,
        )
    return summary

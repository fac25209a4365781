"""Summarizers, chosen by name: every one fills the same ``Summary`` schema.

The grounding check runs after every summarizer, whichever wrote the summary: evidence that is not
in the transcript is kept, marked unverified and counted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from daemon.errors import ConfigError
from daemon.sections import SummarizerSettings
from daemon.sections_ops import PrivacySettings
from daemon.summarize.grounding import ground
from daemon.summarize.schema import Summary
from daemon.summarize.text import Utterance

if TYPE_CHECKING:
    from daemon.api.client import ApiClient

log = logging.getLogger("daemon.summarize")


class Summarizer(Protocol):
    name: str

    def identity(self) -> dict[str, Any]:
        """What makes this summarizer's output what it is, known before it runs.

        A stored summary is reused only when this is unchanged (with the transcript and the
        meeting's date), so a crash after a paid-for summary never pays for it again.
        """
        ...

    def provenance(self) -> dict[str, Any] | None:
        """After a run: backend, model that answered, prompt version, options; None if local."""
        ...

    def summarize(self, utterances: Sequence[Utterance], meeting_date: date) -> Summary:
        """Summarize a meeting; relative dates resolve against ``meeting_date``."""
        ...


def create_summarizer(
    settings: SummarizerSettings,
    api: ApiClient | None = None,
    privacy: PrivacySettings | None = None,
    roster: Sequence[str] = (),
) -> Summarizer | None:
    """The configured summarizer, or None when summaries are switched off.

    Remote summarizers need ``api``, the client for the ``[openai]`` settings, and get
    ``privacy`` (redaction before anything is sent) and the roster (names to redact for sure).
    """
    if settings.name == "none":
        return None
    if settings.name == "extractive":
        from daemon.summarize.extractive import ExtractiveSummarizer

        return ExtractiveSummarizer()
    if settings.name == "rules":
        from daemon.summarize.rules import RulesSummarizer

        return RulesSummarizer()
    if settings.name == "openai":
        if api is None:
            raise ConfigError("the openai summarizer needs an API client", key="summarizer.name")
        from daemon.summarize.llm import LlmSummarizer

        return LlmSummarizer(settings, api, privacy, roster=roster)
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

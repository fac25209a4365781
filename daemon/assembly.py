"""The one place that builds Minutes' objects from settings.

Settings → ledger → API client (only when a remote backend is configured) → transcriber,
diarizer and summarizer → pipeline. ``minutes run``, ``process``, ``summarize`` and the tests
all get theirs here, so a new stage or backend is wired in once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from daemon.config import Settings
from daemon.diarize import create_diarizer
from daemon.ledger import Ledger
from daemon.pipeline import Pipeline
from daemon.summarize import Summarizer, create_summarizer
from daemon.transcribe import Transcriber, create_transcriber

if TYPE_CHECKING:
    from daemon.api.client import ApiClient

log = logging.getLogger("daemon.assembly")


@dataclass(frozen=True)
class Assembly:
    settings: Settings
    ledger: Ledger
    api: ApiClient | None
    transcriber: Transcriber
    summarizer: Summarizer | None
    pipeline: Pipeline
    stop: threading.Event


def assemble(
    settings: Settings,
    ledger: Ledger,
    stop: threading.Event | None = None,
    *,
    transcriber: Transcriber | None = None,
    api: ApiClient | None = None,
) -> Assembly:
    """Everything for one process; ``transcriber`` and ``api`` may be given (tests, benches)."""
    from daemon.api.client import api_client_for

    stop = stop or threading.Event()
    if api is None:
        api = api_client_for(settings, ledger, stop)
    if transcriber is None:
        transcriber = create_transcriber(settings.transcriber, api)
    summarizer = _summarizer(settings, api)
    if settings.privacy.redact and settings.transcriber.name == "openai":
        from daemon.privacy import remote_audio_notice

        log.warning("%s", remote_audio_notice(settings.transcriber.name, settings.openai.base_url))
    diarizer = create_diarizer(settings.diarizer.name, settings.diarizer.threads)
    pipeline = Pipeline(
        settings, ledger, transcriber, summarizer, diarizer=diarizer, stop=stop, api=api
    )
    return Assembly(settings, ledger, api, transcriber, summarizer, pipeline, stop)


def _summarizer(settings: Settings, api: ApiClient | None) -> Summarizer | None:
    """The configured summarizer; a remote one also gets the privacy settings and the roster."""
    return create_summarizer(
        settings.summarizer, api, settings.privacy, roster=settings.diarizer.roster
    )


def pipeline_for(
    settings: Settings,
    ledger: Ledger,
    transcriber: Transcriber,
    *,
    stop: threading.Event | None = None,
    api: ApiClient | None = None,
) -> Pipeline:
    """A pipeline around a given transcriber (the tests' and benches' shortcut)."""
    return assemble(settings, ledger, stop, transcriber=transcriber, api=api).pipeline


@contextmanager
def assembled(settings: Settings, stop: threading.Event | None = None) -> Iterator[Assembly]:
    """Open the ledger and build everything; the ledger is closed on the way out."""
    with Ledger(settings.database) as ledger:
        yield assemble(settings, ledger, stop)

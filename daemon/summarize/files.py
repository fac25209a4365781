"""Summaries of plain transcript files: ``Name: text`` lines, as meeting tools export them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from daemon.errors import ConfigError, InputError
from daemon.sections import SummarizerSettings
from daemon.sections_ops import PrivacySettings
from daemon.summarize import create_summarizer, summarize
from daemon.summarize.schema import Summary
from daemon.summarize.text import from_text

if TYPE_CHECKING:
    from daemon.api.client import ApiClient


def summarize_text_file(
    path: Path,
    settings: SummarizerSettings,
    meeting_date: date | None,
    api: ApiClient | None = None,
    privacy: PrivacySettings | None = None,
) -> Summary:
    """The meeting date: ``meeting_date``, else a ``# date: YYYY-MM-DD`` header, else the mtime."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot be read as text ({exc})") from exc
    utterances, metadata = from_text(text)
    if not utterances:
        raise InputError(path, "holds no transcript lines")
    summarizer = create_summarizer(settings, api, privacy)
    if summarizer is None:
        raise ConfigError(
            "summarizer.name is 'none'; choose one with --summarizer", key="summarizer.name"
        )
    day = (
        meeting_date
        or _header_date(metadata)
        or datetime.fromtimestamp(path.stat().st_mtime).date()
    )
    return summarize(summarizer, utterances, day)


def _header_date(metadata: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(metadata["date"]) if "date" in metadata else None
    except ValueError:
        return None

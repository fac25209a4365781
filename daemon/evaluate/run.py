"""Run a configured summarizer over a folder of annotated meetings and score what it wrote.

Each script is read as ``minutes summarize`` reads a transcript file (``Name: text`` lines,
speakers known, no ASR errors), summarized with the meeting's date, grounded, and compared with
the gold. What was run is recorded with the scores: the summarizer, and for a language model the
model that answered and the prompt version, so two runs can be told apart later.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from daemon.errors import ConfigError
from daemon.evaluate.gold import annotations_of, read_gold_folder
from daemon.evaluate.score import MeetingScore, OverallScore, overall, score_meeting
from daemon.sections import SummarizerSettings
from daemon.sections_ops import PrivacySettings
from daemon.summarize import Summarizer, create_summarizer, summarize

if TYPE_CHECKING:
    from daemon.api.client import ApiClient

log = logging.getLogger("daemon.evaluate")


@dataclass(frozen=True)
class Evaluation:
    """One summarizer's scores on one gold folder."""

    folder: Path
    summarizer: dict[str, Any]  # name, and model and prompt version where there are any
    meetings: tuple[MeetingScore, ...]
    seconds: float

    @property
    def overall(self) -> OverallScore:
        return overall(self.meetings)


def evaluate(
    folder: Path,
    settings: SummarizerSettings,
    api: ApiClient | None = None,
    privacy: PrivacySettings | None = None,
) -> Evaluation:
    meetings = read_gold_folder(folder)
    summarizer = create_summarizer(settings, api, privacy)
    if summarizer is None:
        raise ConfigError(
            "summarizer.name is 'none': there is nothing to evaluate", key="summarizer.name"
        )
    scores = []
    started = time.perf_counter()
    for meeting in meetings:
        summary = summarize(summarizer, meeting.utterances(), meeting.meeting_date)
        scores.append(score_meeting(meeting.id, meeting.gold, annotations_of(summary)))
        log.info("%s: %d action items, %d decisions", meeting.id, len(summary.action_items),
                 len(summary.decisions))  # fmt: skip
    seconds = time.perf_counter() - started
    return Evaluation(folder, described(summarizer), tuple(scores), seconds)


def described(summarizer: Summarizer) -> dict[str, Any]:
    """What ran: a model's provenance after its runs (the model that answered), else identity."""
    provenance = summarizer.provenance()
    if provenance is not None:
        return {
            "name": summarizer.name,
            "model": provenance.get("model"),
            "prompt_version": provenance.get("prompt_version"),
            "options": provenance.get("options", {}),
        }
    identity = {key: value for key, value in summarizer.identity().items() if key != "backend"}
    return {"name": summarizer.name, "model": None, "prompt_version": None, **identity}

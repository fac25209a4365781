"""Annotated meetings: ``<id>.txt`` (the script) beside ``<id>.gold.json`` (the gold items).

The format is the shared meeting set's (``Name: text`` lines under ``# title:`` and ``# date:``
headers; gold JSON with ``action_items`` of owner, task, due and ``decisions`` of text). A user's
own folder in the same format is what ``minutes eval`` measures their summarizer on. The JSON is
read through pydantic at this edge and becomes the frozen ``Annotations`` the scorer compares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from daemon.errors import InputError
from daemon.summarize.schema import Summary
from daemon.summarize.text import Utterance, from_text

GOLD_SUFFIX = ".gold.json"


@dataclass(frozen=True)
class Action:
    """An action item as scored: owner (None: nobody took it), task, due date as ISO text."""

    owner: str | None
    task: str
    due: str | None = None


@dataclass(frozen=True)
class Agreed:
    """A decision as scored: its text."""

    text: str


@dataclass(frozen=True)
class Annotations:
    action_items: tuple[Action, ...] = ()
    decisions: tuple[Agreed, ...] = ()


@dataclass(frozen=True)
class GoldMeeting:
    id: str
    script: Path
    meeting_date: date
    gold: Annotations

    def utterances(self) -> list[Utterance]:
        return from_text(self.script.read_text(encoding="utf-8"))[0]


class _GoldAction(BaseModel):
    model_config = ConfigDict(extra="ignore")
    owner: str | None = None
    task: str = ""
    due: str | None = None


class _GoldDecision(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str = ""


class _GoldFile(BaseModel):
    model_config = ConfigDict(extra="ignore")
    meeting_date: date | None = None
    action_items: list[_GoldAction] = []
    decisions: list[_GoldDecision | str] = []


def read_gold_folder(folder: Path) -> list[GoldMeeting]:
    """Every ``<id>.gold.json`` with its ``<id>.txt``, by id; an empty folder is an error."""
    if not folder.is_dir():
        raise InputError(folder, "is not a folder of annotated meetings")
    meetings = [
        read_gold_meeting(path) for path in sorted(folder.glob(f"*{GOLD_SUFFIX}")) if path.is_file()
    ]
    if not meetings:
        raise InputError(folder, f"holds no <id>{GOLD_SUFFIX} files")
    return meetings


def read_gold_meeting(gold_path: Path) -> GoldMeeting:
    meeting_id = gold_path.name[: -len(GOLD_SUFFIX)]
    script = gold_path.with_name(f"{meeting_id}.txt")
    if not script.is_file():
        raise InputError(gold_path, f"has no script {script.name} beside it")
    try:
        parsed = _GoldFile.model_validate_json(gold_path.read_bytes())
    except (OSError, ValidationError) as exc:
        raise InputError(gold_path, f"is not a gold annotation file ({_first_error(exc)})") from exc
    try:
        _, metadata = from_text(script.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(script, f"cannot be read as text ({exc})") from exc
    day = parsed.meeting_date or _header_date(metadata)
    if day is None:
        raise InputError(script, "has no '# date: YYYY-MM-DD' header and the gold no meeting_date")
    gold = Annotations(
        action_items=tuple(Action(a.owner, a.task, normal_due(a.due)) for a in parsed.action_items),
        decisions=tuple(Agreed(d if isinstance(d, str) else d.text) for d in parsed.decisions),
    )
    return GoldMeeting(meeting_id, script, day, gold)


def annotations_of(summary: Summary) -> Annotations:
    """A summary as the scorer sees it: owners, tasks, due dates and decision texts."""
    return Annotations(
        action_items=tuple(
            Action(a.owner, a.task, a.due.isoformat() if a.due else None)
            for a in summary.action_items
        ),
        decisions=tuple(Agreed(d.text) for d in summary.decisions),
    )


def normal_due(value: str | None) -> str | None:
    """The shared scorer's reading of a due date: the ISO day it starts with; blanks are None."""
    if value is None:
        return None
    text = str(value).strip()
    if text.lower() in ("", "null", "none", "n/a"):
        return None
    match = re.match(r"^\d{4}-\d{2}-\d{2}", text)
    return match.group(0) if match else text


def _header_date(metadata: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(metadata["date"]) if "date" in metadata else None
    except ValueError:
        return None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "document"
        return f"{where}: {error['msg']}"
    return str(exc)

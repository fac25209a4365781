"""What ``minutes ask`` can cite: passages found for the question, and action items from the
ledger, each under a short key the model uses ("P3", "A12")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from daemon.actions import TrackedItem
from daemon.ledger.passages import Passage
from daemon.render import hms


@dataclass(frozen=True)
class Source:
    key: str
    kind: str  # a passage's kind, or "action item" for the ledger's items
    text: str
    recording_id: int
    start: float | None
    report: Path | None
    meeting: str  # the meeting's title, else "recording #N"
    meeting_date: date | None
    speaker: str | None = None
    passage_id: int | None = None
    item_id: int | None = None

    @property
    def where(self) -> str:
        """``[meeting, hh:mm:ss]``, as answers and passage lists show it."""
        at = f", {hms(self.start)}" if self.start is not None else ""
        return f"[{self.meeting}{at}]"

    @property
    def link(self) -> str | None:
        """The report, at the transcript paragraph of ``start`` (the report's ``#tN`` anchors)."""
        if self.report is None:
            return None
        return f"{self.report}#t{int(self.start)}" if self.start is not None else str(self.report)

    def for_model(self) -> str:
        day = self.meeting_date.isoformat() if self.meeting_date else "undated"
        at = hms(self.start) if self.start is not None else "--:--:--"
        return f"[{self.key}] {self.meeting} ({day}, {at}, {self.kind}):\n{self.text}"


def from_passage(key: str, passage: Passage) -> Source:
    return Source(
        key=key, kind=passage.kind, text=passage.text, recording_id=passage.recording_id,
        start=passage.start, report=passage.report,
        meeting=passage.title or f"recording #{passage.recording_id}",
        meeting_date=passage.meeting_date, speaker=passage.speaker, passage_id=passage.id,
    )  # fmt: skip


def from_item(item: TrackedItem, meeting: str | None) -> Source:
    due = f", due {item.due.isoformat()}" if item.due else ""
    text = f"{item.owner or 'unassigned'}: {item.task} ({item.status}{due})\nSaid: {item.evidence}"
    return Source(
        key=f"A{item.id}", kind="action item", text=text, recording_id=item.recording_id,
        start=item.evidence_start, report=item.report,
        meeting=meeting or f"recording #{item.recording_id}", meeting_date=item.meeting_date,
        speaker=item.owner, item_id=item.id,
    )  # fmt: skip


class Registry:
    """The sources offered to the model so far, by key; passages numbered in the order found."""

    def __init__(self) -> None:
        self.by_key: dict[str, Source] = {}
        self._passages: dict[int, str] = {}

    def passage(self, passage: Passage) -> Source:
        key = self._passages.get(passage.id)
        if key is None:
            key = f"P{len(self._passages) + 1}"
            self._passages[passage.id] = key
            self.by_key[key] = from_passage(key, passage)
        return self.by_key[key]

    def item(self, item: TrackedItem, meeting: str | None) -> Source:
        source = from_item(item, meeting)
        self.by_key.setdefault(source.key, source)
        return self.by_key[source.key]

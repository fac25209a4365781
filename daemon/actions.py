"""Action items across meetings: one ledger of what is open, done or dropped, and who owns it.

Each summary's items are recorded with their meeting. An item that comes up again in a later
meeting (same owner, mostly the same words) is linked to the first one instead of duplicated; if
the later meeting gives it a new due date, the item takes it. A later meeting that says an item
was done or cancelled ("I sent the contract on Tuesday", "we don't need the survey any more")
changes its status, with that sentence as evidence. People can change a status by hand too.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Literal

from daemon.errors import MinutesError
from daemon.ledger import Ledger
from daemon.summarize.centrality import content_words
from daemon.summarize.schema import ActionItem, Summary
from daemon.summarize.text import Sentence, Utterance, sentences

log = logging.getLogger("daemon.actions")

Status = Literal["open", "done", "dropped"]
STATUSES: tuple[Status, ...] = ("open", "done", "dropped")

_SAME_TASK = 0.5  # Jaccard of content-word stems above which two tasks are one
_DONE = re.compile(
    r"\b(?:(?:already|just|finally)\s+)?(?:did|done|finished|completed|sent|shipped|submitted|"
    r"booked|fixed|merged|filed|reviewed|updated|published|wrote|written|called|migrated|sorted|"
    r"handled|closed|resolved|delivered|renewed|signed|ordered|scheduled)\b",
    re.IGNORECASE,
)
_DROPPED = re.compile(
    r"\b(?:cancel(?:led|ed)?|drop(?:ped)?|scratch(?:ed)?|no longer need|"
    r"(?:don't|do not|won't) need|"
    r"not needed|abandon(?:ed)?|shelved?|forget about)\b",
    re.IGNORECASE,
)
_NOT_YET = re.compile(
    r"\b(?:will|'ll|going to|gonna|should|could|can|need to|have to|has to|not|haven't|hasn't|"
    r"didn't|isn't|aren't|yet|still|if|when|once|by the time|almost|nearly|trying)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TrackedItem:
    id: int
    recording_id: int
    meeting_date: date
    owner: str | None
    task: str
    due: date | None
    due_phrase: str | None
    evidence: str
    evidence_start: float | None
    verified: bool
    status: Status
    status_at: datetime | None
    status_note: str | None
    mentions: int
    report: Path | None

    def overdue(self, today: date) -> bool:
        return self.status == "open" and self.due is not None and self.due < today


def _stems(text: str) -> set[str]:
    return {re.sub(r"(?:ing|ed|es|s|e)$", "", w) or w for w in content_words(text)}


def same_task(first: str, second: str) -> bool:
    a, b = _stems(first), _stems(second)
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= _SAME_TASK


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def record(
    ledger: Ledger,
    recording_id: int,
    meeting_date: date,
    summary: Summary,
    utterances: Sequence[Utterance],
) -> None:
    """Put a meeting's items and decisions in the ledger; link repeats; apply status news."""
    earlier = [i for i in list_items(ledger, statuses=("open",)) if i.recording_id != recording_id]
    with ledger.transaction() as db:
        kept = {
            (r["owner"], r["task"]): (r["status"], r["status_at"], r["status_note"])
            for r in db.execute(
                "SELECT owner, task, status, status_at, status_note FROM action_items "
                "WHERE recording_id = ? AND status != 'open'",
                (recording_id,),
            )
        }
        # Summarizing again replaces this meeting's rows; statuses set since are carried over.
        db.execute("DELETE FROM action_items WHERE recording_id = ?", (recording_id,))
        db.execute("DELETE FROM decisions WHERE recording_id = ?", (recording_id,))
        for item in summary.action_items:
            canonical = _repeat_of(item, earlier, meeting_date)
            status, status_at, note = kept.get((item.owner, item.task), ("open", None, None))
            db.execute(
                "INSERT INTO action_items (recording_id, meeting_date, owner, task, due, "
                "due_phrase, evidence, evidence_start, verified, status, status_at, status_note, "
                "linked_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    recording_id, meeting_date.isoformat(), item.owner, item.task,
                    item.due.isoformat() if item.due else None, item.due_phrase,
                    item.evidence.quote, item.evidence.start, item.evidence.verified,
                    status, status_at, note, canonical.id if canonical else None, _now(),
                ),
            )  # fmt: skip
            if canonical is not None and item.due is not None and item.due != canonical.due:
                db.execute(
                    "UPDATE action_items SET due = ?, due_phrase = ? WHERE id = ?",
                    (item.due.isoformat(), item.due_phrase, canonical.id),
                )
        for decision in summary.decisions:
            db.execute(
                "INSERT INTO decisions (recording_id, meeting_date, text, evidence, "
                "evidence_start, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    recording_id, meeting_date.isoformat(), decision.text,
                    decision.evidence.quote, decision.evidence.start, _now(),
                ),
            )  # fmt: skip
    for tracked, status, sentence in status_news(earlier, utterances):
        note = f"said in meeting #{recording_id}: {sentence.text}"
        set_status(ledger, tracked.id, status, note=note)
        with ledger.transaction() as db:
            db.execute(
                "UPDATE action_items SET status_recording_id = ? WHERE id = ?",
                (recording_id, tracked.id),
            )
        log.info("action item #%d is now %s (meeting #%d)", tracked.id, status, recording_id)


def _repeat_of(item: ActionItem, earlier: list[TrackedItem], when: date) -> TrackedItem | None:
    for candidate in earlier:
        if candidate.meeting_date > when:
            continue
        same_owner = (candidate.owner or "").lower() == (item.owner or "").lower()
        if same_owner and same_task(candidate.task, item.task):
            return candidate
    return None


def status_news(
    open_items: Sequence[TrackedItem], utterances: Sequence[Utterance]
) -> list[tuple[TrackedItem, Status, Sentence]]:
    """Sentences of a meeting that report an earlier item done or dropped."""
    news: list[tuple[TrackedItem, Status, Sentence]] = []
    claimed: set[int] = set()
    for sentence in sentences(list(utterances)):
        text = sentence.text
        if text.rstrip().endswith("?"):
            continue
        status: Status | None = None
        if _DROPPED.search(text):
            status = "dropped"
        elif (done := _DONE.search(text)) and not _NOT_YET.search(text[: done.start()]):
            status = "done"
        if status is None:
            continue
        said = _stems(text)
        for item in open_items:
            if item.id in claimed:
                continue
            wanted = _stems(item.task)
            shared = said & wanted
            if len(shared) < 2 and not (wanted and len(shared) / len(wanted) >= 0.6):
                continue
            if not _owner_fits(item, sentence):
                continue
            news.append((item, status, sentence))
            claimed.add(item.id)
            break
    return news


def _owner_fits(item: TrackedItem, sentence: Sentence) -> bool:
    if item.owner is None or sentence.speaker is None:
        return True
    owner = item.owner.lower()
    return sentence.speaker.lower() == owner or owner in sentence.text.lower()


def list_items(
    ledger: Ledger,
    *,
    statuses: Sequence[Status] = STATUSES,
    owner: str | None = None,
    overdue_on: date | None = None,
    due_before: date | None = None,
    recording_id: int | None = None,
) -> list[TrackedItem]:
    """Items (linked repeats folded into their first mention), oldest meeting first."""
    marks = ",".join("?" * len(statuses))
    rows = ledger.query(
        "SELECT a.*, p.markdown AS report, "
        "(SELECT COUNT(*) FROM action_items l WHERE l.linked_to = a.id) + 1 AS mentions "
        "FROM action_items a LEFT JOIN reports p ON p.recording_id = a.recording_id "
        f"WHERE a.linked_to IS NULL AND a.status IN ({marks}) ORDER BY a.meeting_date, a.id",
        tuple(statuses),
    )
    items = [_item(r) for r in rows]
    if owner is not None:
        items = [i for i in items if (i.owner or "").lower() == owner.lower()]
    if overdue_on is not None:
        items = [i for i in items if i.overdue(overdue_on)]
    if due_before is not None:
        items = [i for i in items if i.due is not None and i.due < due_before]
    if recording_id is not None:
        linked = {
            int(r[0])
            for r in ledger.query(
                "SELECT COALESCE(linked_to, id) FROM action_items WHERE recording_id = ?",
                (recording_id,),
            )
        }
        items = [i for i in items if i.id in linked]
    return items


def get(ledger: Ledger, item_id: int) -> TrackedItem:
    rows = ledger.query(
        "SELECT a.*, p.markdown AS report, 1 AS mentions FROM action_items a "
        "LEFT JOIN reports p ON p.recording_id = a.recording_id WHERE a.id = ?",
        (item_id,),
    )
    if not rows:
        raise MinutesError(f"no action item #{item_id}")
    return _item(rows[0])


def set_status(
    ledger: Ledger, item_id: int, status: Status, note: str | None = None
) -> TrackedItem:
    """Change an item's status; a linked repeat changes the item it repeats."""
    item = get(ledger, item_id)
    rows = ledger.query("SELECT linked_to FROM action_items WHERE id = ?", (item_id,))
    target = int(rows[0][0]) if rows and rows[0][0] is not None else item.id
    with ledger.transaction() as db:
        db.execute(
            "UPDATE action_items SET status = ?, status_at = ?, status_note = ? "
            "WHERE id = ? OR linked_to = ?",
            (status, _now(), note, target, target),
        )
    return get(ledger, target)


def _item(r: sqlite3.Row) -> TrackedItem:
    return TrackedItem(
        id=int(r["id"]),
        recording_id=int(r["recording_id"]),
        meeting_date=date.fromisoformat(r["meeting_date"]),
        owner=r["owner"],
        task=str(r["task"]),
        due=date.fromisoformat(r["due"]) if r["due"] else None,
        due_phrase=r["due_phrase"],
        evidence=str(r["evidence"]),
        evidence_start=r["evidence_start"],
        verified=bool(r["verified"]),
        status=r["status"],
        status_at=datetime.fromisoformat(r["status_at"]) if r["status_at"] else None,
        status_note=r["status_note"],
        mentions=int(r["mentions"]),
        report=Path(r["report"]) if r["report"] else None,
    )

"""Summaries and what they track across meetings: provenance, action items and decisions.

The rules (which item repeats which, what a sentence says about an item) live in
``daemon.actions``; this store only keeps their outcome. A summary is a checkpoint: it carries
the key of the inputs it was made from, and ``summary_for`` hands it back only for the same key.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal

from daemon.ledger.db import Database, now
from daemon.ledger.recordings import write_event
from daemon.summarize.schema import ActionItem, Decision, Summary

Status = Literal["open", "done", "dropped"]
STATUSES: tuple[Status, ...] = ("open", "done", "dropped")


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


@dataclass(frozen=True)
class MeetingItem:
    """An action item of a meeting as it is to be recorded."""

    item: ActionItem
    linked_to: int | None = None  # the earlier item this one repeats
    moves_due: bool = False  # the repeat gives that earlier item this one's due date


def _seconds() -> str:
    # Item and decision times have always been kept to the second, unlike the rest of the ledger.
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SummaryStore:
    """Tables: summaries, summary_provenance, action_items, decisions."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # Summaries ---------------------------------------------------------------------------------

    def save(
        self,
        recording_id: int,
        summarizer: str,
        meeting_date: date,
        summary: Summary,
        input_key: str | None = None,
    ) -> None:
        with self._db.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO summaries (recording_id, summarizer, meeting_date, "
                "summary, unverified, created_at, input_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    recording_id, summarizer, meeting_date.isoformat(),
                    summary.model_dump_json(), summary.unverified, now(), input_key,
                ),
            )  # fmt: skip
            write_event(db, recording_id, "summarized", summarizer)

    def get(self, recording_id: int) -> tuple[str, Summary] | None:
        rows = self._db.query(
            "SELECT summarizer, summary FROM summaries WHERE recording_id = ?", (recording_id,)
        )
        if not rows:
            return None
        return str(rows[0][0]), Summary.model_validate_json(rows[0][1])

    def summary_for(self, recording_id: int, input_key: str) -> Summary | None:
        """The stored summary, only if it was made from the inputs ``input_key`` names."""
        rows = self._db.query(
            "SELECT summary FROM summaries WHERE recording_id = ? AND input_key = ?",
            (recording_id, input_key),
        )
        return Summary.model_validate_json(rows[0][0]) if rows else None

    def save_provenance(
        self, recording_id: int, backend: str, model: str, prompt_version: str,
        options: dict[str, Any],
    ) -> None:  # fmt: skip
        with self._db.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO summary_provenance VALUES (?, ?, ?, ?, ?, ?)",
                (recording_id, backend, model, prompt_version, json.dumps(options), now()),
            )

    def provenance(self, recording_id: int) -> dict[str, Any] | None:
        rows = self._db.query(
            "SELECT * FROM summary_provenance WHERE recording_id = ?", (recording_id,)
        )
        if not rows:
            return None
        r = rows[0]
        return {
            "backend": r["backend"], "model": r["model"], "prompt_version": r["prompt_version"],
            "options": json.loads(r["options"]),
        }  # fmt: skip

    # Action items and decisions ------------------------------------------------------------

    def replace_meeting(
        self,
        recording_id: int,
        meeting_date: date,
        items: Sequence[MeetingItem],
        decisions: Sequence[Decision],
    ) -> None:
        """Replace a meeting's items and decisions; statuses set since are carried over."""
        day = meeting_date.isoformat()
        with self._db.tx() as db:
            kept = {
                (r["owner"], r["task"]): (r["status"], r["status_at"], r["status_note"])
                for r in db.execute(
                    "SELECT owner, task, status, status_at, status_note FROM action_items "
                    "WHERE recording_id = ? AND status != 'open'",
                    (recording_id,),
                )
            }
            db.execute("DELETE FROM action_items WHERE recording_id = ?", (recording_id,))
            db.execute("DELETE FROM decisions WHERE recording_id = ?", (recording_id,))
            for new in items:
                item = new.item
                status, status_at, note = kept.get((item.owner, item.task), ("open", None, None))
                db.execute(
                    "INSERT INTO action_items (recording_id, meeting_date, owner, task, due, "
                    "due_phrase, evidence, evidence_start, verified, status, status_at, "
                    "status_note, linked_to, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        recording_id, day, item.owner, item.task,
                        item.due.isoformat() if item.due else None, item.due_phrase,
                        item.evidence.quote, item.evidence.start, item.evidence.verified,
                        status, status_at, note, new.linked_to, _seconds(),
                    ),
                )  # fmt: skip
                if new.linked_to is not None and new.moves_due and item.due is not None:
                    db.execute(
                        "UPDATE action_items SET due = ?, due_phrase = ? WHERE id = ?",
                        (item.due.isoformat(), item.due_phrase, new.linked_to),
                    )
            for decision in decisions:
                db.execute(
                    "INSERT INTO decisions (recording_id, meeting_date, text, evidence, "
                    "evidence_start, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        recording_id, day, decision.text, decision.evidence.quote,
                        decision.evidence.start, _seconds(),
                    ),
                )  # fmt: skip

    def items(self, statuses: Sequence[Status] = STATUSES) -> list[TrackedItem]:
        """Items (linked repeats folded into their first mention), oldest meeting first."""
        marks = ",".join("?" * len(statuses))
        rows = self._db.query(
            "SELECT a.*, p.markdown AS report, "
            "(SELECT COUNT(*) FROM action_items l WHERE l.linked_to = a.id) + 1 AS mentions "
            "FROM action_items a LEFT JOIN reports p ON p.recording_id = a.recording_id "
            f"WHERE a.linked_to IS NULL AND a.status IN ({marks}) ORDER BY a.meeting_date, a.id",
            tuple(statuses),
        )
        return [_item(r) for r in rows]

    def item_ids_of(self, recording_id: int) -> set[int]:
        """The items a meeting mentions, each as the first mention it repeats."""
        rows = self._db.query(
            "SELECT COALESCE(linked_to, id) FROM action_items WHERE recording_id = ?",
            (recording_id,),
        )
        return {int(r[0]) for r in rows}

    def item(self, item_id: int) -> TrackedItem | None:
        rows = self._db.query(
            "SELECT a.*, p.markdown AS report, 1 AS mentions FROM action_items a "
            "LEFT JOIN reports p ON p.recording_id = a.recording_id WHERE a.id = ?",
            (item_id,),
        )
        return _item(rows[0]) if rows else None

    def first_mention(self, item_id: int) -> int | None:
        """The item that ``item_id`` repeats; None when it is a first mention (or unknown)."""
        rows = self._db.query("SELECT linked_to FROM action_items WHERE id = ?", (item_id,))
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def set_status(self, item_id: int, status: Status, note: str | None) -> None:
        """Set the status of a first mention and of all its repeats."""
        with self._db.tx() as db:
            db.execute(
                "UPDATE action_items SET status = ?, status_at = ?, status_note = ? "
                "WHERE id = ? OR linked_to = ?",
                (status, _seconds(), note, item_id, item_id),
            )

    def status_said_in(self, item_id: int, recording_id: int) -> None:
        """Note the meeting in which an item's new status was said."""
        with self._db.tx() as db:
            db.execute(
                "UPDATE action_items SET status_recording_id = ? WHERE id = ?",
                (recording_id, item_id),
            )

    def decisions_of(self, recording_ids: set[int]) -> list[tuple[str, int, date]]:
        """(text, recording id, meeting date) of these meetings' decisions, oldest first."""
        if not recording_ids:
            return []
        marks = ",".join("?" * len(recording_ids))
        rows = self._db.query(
            "SELECT text, recording_id, meeting_date FROM decisions "
            f"WHERE recording_id IN ({marks}) ORDER BY meeting_date, id",
            tuple(recording_ids),
        )
        return [(str(r[0]), int(r[1]), date.fromisoformat(r[2])) for r in rows]


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

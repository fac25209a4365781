"""Digests already produced, one row per scheduled period, and the meetings a period covers.

A row is the proof that a period's digest exists (even a skipped, empty one), so a daemon that
starts after a missed fire time writes the missing ones and never writes one twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from daemon.ledger.db import Database


@dataclass(frozen=True)
class ReportedMeeting:
    """A meeting whose report was written in a period."""

    recording_id: int
    source_name: str
    duration: float | None
    day: date | None  # the meeting date, else the day it was recorded
    report: Path


class DigestStore:
    """Table: digests (and reads of reports, recordings and summaries by report time)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def period_ends(self, kind: str) -> set[str]:
        """The ends (UTC ISO text) of the periods of ``kind`` that have a digest."""
        rows = self._db.query("SELECT period_end FROM digests WHERE kind = ?", (kind,))
        return {str(r[0]) for r in rows}

    def record(
        self, kind: str, start: str, end: str, path: Path | None, meetings: int, created_at: str
    ) -> None:
        """Note a period's digest (``path`` None when it was skipped); the first one stays."""
        with self._db.tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO digests (kind, period_start, period_end, path, "
                "meetings, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (kind, start, end, str(path) if path else None, meetings, created_at),
            )

    def meetings(self, start: str, end: str) -> list[ReportedMeeting]:
        """Meetings whose report was written in (start, end] (UTC ISO text), oldest first."""
        rows = self._db.query(
            "SELECT r.id, r.source_name, r.duration, r.meeting_date, r.recorded_at, p.markdown, "
            "s.summary FROM reports p JOIN recordings r ON r.id = p.recording_id "
            "LEFT JOIN summaries s ON s.recording_id = r.id "
            "WHERE p.created_at > ? AND p.created_at <= ? ORDER BY r.recorded_at, r.id",
            (start, end),
        )
        meetings = []
        for r in rows:
            day = r["meeting_date"] or (r["recorded_at"] or "")[:10]
            meetings.append(
                ReportedMeeting(
                    recording_id=int(r["id"]),
                    source_name=str(r["source_name"]),
                    duration=r["duration"],
                    day=date.fromisoformat(day) if day else None,
                    report=Path(r["markdown"]),
                )
            )
        return meetings

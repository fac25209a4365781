"""Recordings and their checkpoints: sources, chunks, transcripts, reports, events, leases.

A lease says which process owns a recording right now, so two ``minutes process`` runs on one
file with one state directory do not both transcribe it (issue 8). It is taken inside BEGIN
IMMEDIATE, so two claimants cannot both see it free. A holder on this host whose pid is gone
loses it at once; one on another host only when it expires.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal

from daemon.errors import LedgerError
from daemon.ledger.db import Database, now, parse_time
from daemon.models import (
    ChunkTranscript,
    Paragraph,
    Provenance,
    Report,
    Segment,
    Speaker,
    Transcript,
)

State = Literal["queued", "processing", "done", "failed"]
STATES: tuple[State, ...] = ("queued", "processing", "done", "failed")


@dataclass(frozen=True)
class RecordingRow:
    id: int
    sha256: str | None
    source_name: str
    path: Path
    size: int | None
    recorded_at: datetime | None
    duration: float | None
    state: State
    stage: str | None
    error: str | None
    attempts: int
    processing_s: float | None
    updated_at: datetime
    report: Path | None
    meeting_date: date | None = None
    plan_key: str | None = None


@dataclass(frozen=True)
class Lease:
    """Who owns a recording until when (``expires_at`` is a ``time.time()`` value)."""

    recording_id: int
    owner: str
    host: str
    pid: int
    expires_at: float


def write_event(
    db: sqlite3.Connection, recording_id: int | None, kind: str, detail: str | None
) -> None:
    """Log an event inside the caller's transaction (other stores log theirs through this)."""
    db.execute(
        "INSERT INTO events (recording_id, at, kind, detail) VALUES (?, ?, ?, ?)",
        (recording_id, now(), kind, detail),
    )


class RecordingStore:
    """Tables: recordings, sources, chunks, transcripts, reports, events, leases."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # Recordings -----------------------------------------------------------------------------

    def add(
        self, *, sha256: str | None, path: Path, size: int | None, mtime_ns: int | None
    ) -> RecordingRow:
        with self._db.tx() as db:
            stamp = now()
            cursor = db.execute(
                "INSERT INTO recordings (sha256, source_name, path, size, state, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?)",
                (sha256, path.name, str(path), size, stamp, stamp),
            )
            recording_id = int(cursor.lastrowid or 0)
            db.execute(
                "INSERT INTO sources (recording_id, path, size, mtime_ns, role, seen_at) "
                "VALUES (?, ?, ?, ?, 'original', ?)",
                (recording_id, str(path), size, mtime_ns, stamp),
            )
            write_event(db, recording_id, "queued", path.name)
        return self.get(recording_id)

    def add_source(
        self, recording_id: int, path: Path, size: int | None, mtime_ns: int | None, role: str
    ) -> None:
        with self._db.tx() as db:
            db.execute(
                "INSERT INTO sources (recording_id, path, size, mtime_ns, role, seen_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (recording_id, str(path), size, mtime_ns, role, now()),
            )
            write_event(db, recording_id, role, path.name)

    def source_of(self, path: Path, size: int, mtime_ns: int) -> int | None:
        """The recording a file was already identified as, if it has not changed since."""
        rows = self._db.query(
            "SELECT recording_id FROM sources WHERE path = ? AND size = ? AND mtime_ns = ? "
            "ORDER BY id DESC LIMIT 1",
            (str(path), size, mtime_ns),
        )
        return int(rows[0][0]) if rows else None

    def find_sha(self, sha256: str) -> RecordingRow | None:
        rows = self._db.query("SELECT id FROM recordings WHERE sha256 = ?", (sha256,))
        return self.get(int(rows[0][0])) if rows else None

    def get(self, recording_id: int) -> RecordingRow:
        rows = self._db.query(
            "SELECT r.*, p.markdown AS report FROM recordings r "
            "LEFT JOIN reports p ON p.recording_id = r.id WHERE r.id = ?",
            (recording_id,),
        )
        if not rows:
            raise LedgerError(f"no recording #{recording_id}")
        return _row(rows[0])

    def in_states(
        self, states: tuple[State, ...] = STATES, limit: int = 1000
    ) -> list[RecordingRow]:
        """Recordings in ``states``, newest first."""
        marks = ",".join("?" * len(states))
        rows = self._db.query(
            "SELECT r.*, p.markdown AS report FROM recordings r "
            f"LEFT JOIN reports p ON p.recording_id = r.id WHERE r.state IN ({marks}) "
            "ORDER BY r.id DESC LIMIT ?",
            (*states, limit),
        )
        return [_row(r) for r in rows]

    # ``ledger.recordings(...)`` was a method before the store took its name; calling the store
    # keeps those callers working.
    __call__ = in_states

    def counts(self) -> dict[str, int]:
        rows = self._db.query("SELECT state, COUNT(*) FROM recordings GROUP BY state")
        found = {str(r[0]): int(r[1]) for r in rows}
        return {state: found.get(state, 0) for state in STATES}

    def update(self, recording_id: int, **fields: Any) -> None:
        allowed = {
            "path", "recorded_at", "duration", "stage", "error", "plan_key", "processing_s",
            "meeting_date", "probe_s",
        }  # fmt: skip
        self._db.update_row("recordings", "id", recording_id, allowed, fields)

    def set_state(
        self, recording_id: int, state: State, *, stage: str | None = None, error: str | None = None
    ) -> None:
        with self._db.tx() as db:
            attempts = ", attempts = attempts + 1" if state == "processing" else ""
            db.execute(
                f"UPDATE recordings SET state = ?, stage = ?, error = ?, updated_at = ?{attempts} "
                "WHERE id = ?",
                (state, stage, error, now(), recording_id),
            )
            write_event(db, recording_id, state, error or stage)

    def event(self, recording_id: int | None, kind: str, detail: str | None = None) -> None:
        with self._db.tx() as db:
            write_event(db, recording_id, kind, detail)

    def events(self, recording_id: int, kind: str | None = None) -> list[tuple[str, str | None]]:
        rows = self._db.query(
            "SELECT kind, detail FROM events WHERE recording_id = ? AND (? IS NULL OR kind = ?) "
            "ORDER BY id",
            (recording_id, kind, kind),
        )
        return [(str(r[0]), r[1]) for r in rows]

    # Chunk checkpoints ----------------------------------------------------------------------

    def begin_plan(self, recording_id: int, plan_key: str) -> None:
        """Keep checkpoints made under the same plan; drop those of another model or chunking."""
        with self._db.tx() as db:
            dropped = db.execute(
                "DELETE FROM chunks WHERE recording_id = ? AND plan_key != ?",
                (recording_id, plan_key),
            ).rowcount
            db.execute("UPDATE recordings SET plan_key = ? WHERE id = ?", (plan_key, recording_id))
            if dropped:
                write_event(
                    db, recording_id, "checkpoints_dropped", f"{dropped} (settings changed)"
                )

    def save_chunk(self, recording_id: int, plan_key: str, chunk: ChunkTranscript) -> None:
        with self._db.tx() as db:
            db.execute(
                "INSERT INTO chunks (recording_id, idx, plan_key, start, end, overlap, language, "
                "segments, elapsed, created_at, embeddings) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    recording_id, chunk.index, plan_key, chunk.start, chunk.end, chunk.overlap,
                    chunk.language, _segments_json(chunk.segments), chunk.elapsed, now(),
                    chunk.embeddings or None,
                ),
            )  # fmt: skip
            write_event(db, recording_id, "chunk_transcribed", str(chunk.index))

    def chunks(self, recording_id: int, plan_key: str) -> dict[int, ChunkTranscript]:
        rows = self._db.query(
            "SELECT * FROM chunks WHERE recording_id = ? AND plan_key = ? ORDER BY idx",
            (recording_id, plan_key),
        )
        return {
            int(r["idx"]): ChunkTranscript(
                index=int(r["idx"]),
                start=float(r["start"]),
                end=float(r["end"]),
                overlap=float(r["overlap"]),
                language=str(r["language"]),
                segments=_segments(r["segments"]),
                elapsed=float(r["elapsed"]),
                embeddings=bytes(r["embeddings"] or b""),
            )
            for r in rows
        }

    # Transcripts and reports ----------------------------------------------------------------

    def save_transcript(
        self, recording_id: int, transcript: Transcript, diarize_key: str | None = None
    ) -> None:
        """The merged transcript; the diarize stage saves it again with speakers and its key."""
        paragraphs = [[p.start, p.end, len(p.segments)] for p in transcript.paragraphs]
        speakers = json.dumps([s.to_dict() for s in transcript.speakers], ensure_ascii=False)
        with self._db.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO transcripts (recording_id, language, duration, backend, "
                "model, options, segments, paragraphs, created_at, speakers, diarize_key) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    recording_id, transcript.language, transcript.duration,
                    transcript.provenance.backend, transcript.provenance.model,
                    json.dumps(transcript.provenance.options), _segments_json(transcript.segments),
                    json.dumps(paragraphs), now(), speakers, diarize_key,
                ),
            )  # fmt: skip

    def diarize_key(self, recording_id: int) -> str | None:
        """The key of the diarization the stored transcript carries, or None."""
        rows = self._db.query(
            "SELECT diarize_key FROM transcripts WHERE recording_id = ?", (recording_id,)
        )
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    def transcript(self, recording_id: int) -> Transcript | None:
        rows = self._db.query("SELECT * FROM transcripts WHERE recording_id = ?", (recording_id,))
        if not rows:
            return None
        row = rows[0]
        segments = _segments(row["segments"])
        paragraphs: list[Paragraph] = []
        position = 0
        for start, end, count in json.loads(row["paragraphs"]):
            paragraphs.append(Paragraph(start, end, segments[position : position + count]))
            position += count
        return Transcript(
            segments=segments,
            paragraphs=tuple(paragraphs),
            language=str(row["language"]),
            duration=float(row["duration"]),
            provenance=Provenance(
                str(row["backend"]), str(row["model"]), json.loads(row["options"])
            ),
            speakers=tuple(Speaker.from_dict(d) for d in json.loads(row["speakers"] or "[]")),
        )

    def save_report(self, recording_id: int, report: Report, processing_s: float) -> None:
        with self._db.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?)",
                (
                    recording_id, str(report.markdown),
                    json.dumps([str(p) for p in report.sidecars]), now(),
                ),
            )  # fmt: skip
            db.execute(
                "UPDATE recordings SET processing_s = ? WHERE id = ?", (processing_s, recording_id)
            )

    # Leases -----------------------------------------------------------------------------------

    def claim(self, recording_id: int, owner: str, ttl_s: float) -> Lease | None:
        """Take the lease unless another live holder has it; None when it does."""
        lease = Lease(recording_id, owner, socket.gethostname(), os.getpid(), time.time() + ttl_s)
        with self._db.tx() as db:
            rows = db.execute(
                "SELECT * FROM leases WHERE recording_id = ?", (recording_id,)
            ).fetchall()
            if rows and not _takeable(_lease(rows[0]), owner, lease.host):
                return None
            db.execute(
                "INSERT OR REPLACE INTO leases VALUES (?, ?, ?, ?, ?)",
                (lease.recording_id, lease.owner, lease.host, lease.pid, lease.expires_at),
            )
        return lease

    def holder(self, recording_id: int) -> Lease | None:
        """The lease as stored, expired or not (the caller judges; ``claim`` decides)."""
        rows = self._db.query("SELECT * FROM leases WHERE recording_id = ?", (recording_id,))
        return _lease(rows[0]) if rows else None

    def renew(self, recording_id: int, owner: str, ttl_s: float) -> bool:
        """Push the expiry on; False when ``owner`` no longer holds the lease."""
        with self._db.tx() as db:
            renewed = db.execute(
                "UPDATE leases SET expires_at = ? WHERE recording_id = ? AND owner = ?",
                (time.time() + ttl_s, recording_id, owner),
            ).rowcount
        return bool(renewed)

    def release(self, recording_id: int, owner: str) -> None:
        """Give the lease up; a lease since taken by someone else is left alone."""
        with self._db.tx() as db:
            db.execute(
                "DELETE FROM leases WHERE recording_id = ? AND owner = ?", (recording_id, owner)
            )


def _takeable(held: Lease, owner: str, host: str) -> bool:
    if held.owner == owner or held.expires_at <= time.time():
        return True
    return held.host == host and not _alive(held.pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, run by another user
    return True


def _lease(r: sqlite3.Row) -> Lease:
    return Lease(
        recording_id=int(r["recording_id"]),
        owner=str(r["owner"]),
        host=str(r["host"]),
        pid=int(r["pid"]),
        expires_at=float(r["expires_at"]),
    )


def _segments_json(segments: tuple[Segment, ...]) -> str:
    return json.dumps([s.to_dict() for s in segments], ensure_ascii=False)


def _segments(text: str) -> tuple[Segment, ...]:
    return tuple(Segment.from_dict(d) for d in json.loads(text))


def _row(r: sqlite3.Row) -> RecordingRow:
    return RecordingRow(
        id=int(r["id"]),
        sha256=r["sha256"],
        source_name=str(r["source_name"]),
        path=Path(r["path"]),
        size=r["size"],
        recorded_at=parse_time(r["recorded_at"]),
        duration=r["duration"],
        state=r["state"],
        stage=r["stage"],
        error=r["error"],
        attempts=int(r["attempts"]),
        processing_s=r["processing_s"],
        updated_at=parse_time(r["updated_at"]) or datetime.now(timezone.utc),
        report=Path(r["report"]) if r["report"] else None,
        meeting_date=date.fromisoformat(r["meeting_date"]) if r["meeting_date"] else None,
        plan_key=r["plan_key"],
    )

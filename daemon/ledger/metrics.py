"""Reads for ``/metrics``: totals the Prometheus collector needs, at scrape time (issue 13).

No tables of its own and no writes: everything the metrics report is already in the ledger
(recordings, chunk timings, checkpoint times, API calls, digests), so no other module keeps
counters, and the numbers survive a restart. Each read is one aggregate query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from daemon.ledger.db import Database, parse_time


@dataclass(frozen=True)
class RunTimes:
    """When a done recording's last run reached each checkpoint (UTC), and its chunk timings."""

    recording_id: int
    duration: float | None
    processing_s: float | None
    run_start: datetime | None  # the last "processing" event
    run_end: datetime | None  # the last "done" event
    probe_s: float | None  # timed by the probe stage itself
    transcribe_s: float  # the chunk loop's own timings, summed over the recording's chunks
    last_chunk_at: datetime | None
    transcript_at: datetime | None  # saved by merge, saved again by diarize
    diarized: bool
    summary_at: datetime | None
    report_at: datetime | None


@dataclass(frozen=True)
class ApiTotal:
    backend: str
    endpoint: str
    model: str
    status: str
    calls: int
    tokens_in: int
    tokens_out: int
    audio_seconds: float
    cost_usd: float


@dataclass(frozen=True)
class DigestCount:
    kind: str
    written: bool  # False: the period was empty and skipped
    count: int


class MetricsStore:
    """Read-only over recordings, chunks, transcripts, summaries, reports, events, api_calls
    and digests."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def done_runs(self) -> list[RunTimes]:
        rows = self._db.query(
            "SELECT r.id, r.duration, r.processing_s, r.probe_s, "
            "(SELECT MAX(at) FROM events e WHERE e.recording_id = r.id "
            " AND e.kind = 'processing') AS run_start, "
            "(SELECT MAX(at) FROM events e WHERE e.recording_id = r.id "
            " AND e.kind = 'done') AS run_end, "
            "(SELECT COALESCE(SUM(c.elapsed), 0) FROM chunks c WHERE c.recording_id = r.id "
            " AND c.plan_key = r.plan_key) AS transcribe_s, "
            "(SELECT MAX(c.created_at) FROM chunks c WHERE c.recording_id = r.id "
            " AND c.plan_key = r.plan_key) AS last_chunk_at, "
            "t.created_at AS transcript_at, t.diarize_key IS NOT NULL AS diarized, "
            "s.created_at AS summary_at, p.created_at AS report_at "
            "FROM recordings r LEFT JOIN transcripts t ON t.recording_id = r.id "
            "LEFT JOIN summaries s ON s.recording_id = r.id "
            "LEFT JOIN reports p ON p.recording_id = r.id WHERE r.state = 'done' ORDER BY r.id"
        )
        return [
            RunTimes(
                recording_id=int(r["id"]), duration=r["duration"], processing_s=r["processing_s"],
                run_start=parse_time(r["run_start"]), run_end=parse_time(r["run_end"]),
                probe_s=r["probe_s"],
                transcribe_s=float(r["transcribe_s"]),
                last_chunk_at=parse_time(r["last_chunk_at"]),
                transcript_at=parse_time(r["transcript_at"]), diarized=bool(r["diarized"]),
                summary_at=parse_time(r["summary_at"]), report_at=parse_time(r["report_at"]),
            )
            for r in rows
        ]  # fmt: skip

    def api_totals(self) -> list[ApiTotal]:
        rows = self._db.query(
            "SELECT backend, endpoint, model, status, COUNT(*) AS calls, "
            "SUM(tokens_in) AS tokens_in, SUM(tokens_out) AS tokens_out, "
            "SUM(audio_seconds) AS audio_seconds, SUM(cost_usd) AS cost_usd FROM api_calls "
            "GROUP BY backend, endpoint, model, status ORDER BY backend, endpoint, model, status"
        )
        return [
            ApiTotal(
                str(r["backend"]), str(r["endpoint"]), str(r["model"]), str(r["status"]),
                int(r["calls"]), int(r["tokens_in"] or 0), int(r["tokens_out"] or 0),
                float(r["audio_seconds"] or 0.0), float(r["cost_usd"] or 0.0),
            )
            for r in rows
        ]  # fmt: skip

    def digest_counts(self) -> list[DigestCount]:
        rows = self._db.query(
            "SELECT kind, path IS NOT NULL AS written, COUNT(*) AS n FROM digests "
            "GROUP BY kind, written ORDER BY kind, written"
        )
        return [DigestCount(str(r["kind"]), bool(r["written"]), int(r["n"])) for r in rows]

    def last_report_at(self) -> datetime | None:
        """When the newest report was written (any recording's, re-renders included)."""
        rows = self._db.query("SELECT MAX(created_at) FROM reports")
        return parse_time(rows[0][0]) if rows else None

    def failures_since(self, since: datetime) -> int:
        """Recordings that failed at or after ``since`` (UTC ISO times compare as text)."""
        rows = self._db.query(
            "SELECT COUNT(DISTINCT recording_id) FROM events WHERE kind = 'failed' AND at >= ?",
            (since.astimezone(timezone.utc).isoformat(timespec="milliseconds"),),
        )
        return int(rows[0][0])

"""The ledger: every recording, its state and its checkpoints, in one SQLite database.

WAL with ``synchronous=FULL``: a checkpoint that was acknowledged survives a kill -9 or a power
cut, and ``minutes status`` can read while the daemon writes. Migrations are an append-only list;
the version reached is kept in ``schema_migrations``. One connection is shared behind a lock, so
the watcher and the worker threads can both use one Ledger.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal

from daemon.errors import LedgerError
from daemon.models import ChunkTranscript, Paragraph, Provenance, Report, Segment, Transcript
from daemon.summarize.schema import Summary

log = logging.getLogger("daemon.ledger")

State = Literal["queued", "processing", "done", "failed"]
STATES: tuple[State, ...] = ("queued", "processing", "done", "failed")

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE recordings (
        id INTEGER PRIMARY KEY,
        sha256 TEXT UNIQUE,
        source_name TEXT NOT NULL,
        path TEXT NOT NULL,
        size INTEGER,
        recorded_at TEXT,
        duration REAL,
        state TEXT NOT NULL,
        stage TEXT,
        error TEXT,
        plan_key TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        processing_s REAL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX recordings_state ON recordings(state);
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        path TEXT NOT NULL,
        size INTEGER,
        mtime_ns INTEGER,
        role TEXT NOT NULL,
        seen_at TEXT NOT NULL
    );
    CREATE INDEX sources_path ON sources(path);
    CREATE TABLE chunks (
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        idx INTEGER NOT NULL,
        plan_key TEXT NOT NULL,
        start REAL NOT NULL,
        end REAL NOT NULL,
        overlap REAL NOT NULL,
        language TEXT NOT NULL,
        segments TEXT NOT NULL,
        elapsed REAL NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (recording_id, idx)
    );
    CREATE TABLE transcripts (
        recording_id INTEGER PRIMARY KEY REFERENCES recordings(id),
        language TEXT NOT NULL,
        duration REAL NOT NULL,
        backend TEXT NOT NULL,
        model TEXT NOT NULL,
        options TEXT NOT NULL,
        segments TEXT NOT NULL,
        paragraphs TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE reports (
        recording_id INTEGER PRIMARY KEY REFERENCES recordings(id),
        markdown TEXT NOT NULL,
        sidecars TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        recording_id INTEGER REFERENCES recordings(id),
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT
    );
    CREATE INDEX events_recording ON events(recording_id, kind);
    """,
    """
    CREATE TABLE summaries (
        recording_id INTEGER PRIMARY KEY REFERENCES recordings(id),
        summarizer TEXT NOT NULL,
        meeting_date TEXT NOT NULL,
        summary TEXT NOT NULL,
        unverified INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    ALTER TABLE recordings ADD COLUMN meeting_date TEXT;
    """,
    """
    CREATE TABLE action_items (
        id INTEGER PRIMARY KEY,
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        meeting_date TEXT NOT NULL,
        owner TEXT,
        task TEXT NOT NULL,
        due TEXT,
        due_phrase TEXT,
        evidence TEXT NOT NULL,
        evidence_start REAL,
        verified INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        status_at TEXT,
        status_note TEXT,
        status_recording_id INTEGER REFERENCES recordings(id),
        linked_to INTEGER REFERENCES action_items(id),
        created_at TEXT NOT NULL
    );
    CREATE INDEX action_items_status ON action_items(status, owner);
    CREATE INDEX action_items_recording ON action_items(recording_id);
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        meeting_date TEXT NOT NULL,
        text TEXT NOT NULL,
        evidence TEXT NOT NULL,
        evidence_start REAL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE digests (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        path TEXT,
        meetings INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (kind, period_end)
    );
    CREATE VIRTUAL TABLE search_index USING fts5(
        text, kind UNINDEXED, recording_id UNINDEXED, at UNINDEXED, tokenize = 'porter unicode61'
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # Remote APIs (issue 4): every call with its cost, the global pause, summary provenance,
    # and Batch API items. Self-contained so that it can move in the list on a merge.
    """
    CREATE TABLE api_calls (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        recording_id INTEGER,
        backend TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        model TEXT NOT NULL,
        request_id TEXT,
        status TEXT NOT NULL,
        http_status INTEGER,
        error TEXT,
        latency_s REAL NOT NULL,
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        audio_seconds REAL NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        batch INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX api_calls_at ON api_calls(at);
    CREATE INDEX api_calls_recording ON api_calls(recording_id);
    CREATE TABLE api_pause (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        kind TEXT NOT NULL,
        reason TEXT NOT NULL,
        since TEXT NOT NULL,
        until REAL
    );
    CREATE TABLE summary_provenance (
        recording_id INTEGER PRIMARY KEY REFERENCES recordings(id),
        backend TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        options TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE batch_items (
        custom_id TEXT PRIMARY KEY,
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        plan TEXT NOT NULL,
        request TEXT NOT NULL,
        batch_id TEXT,
        state TEXT NOT NULL,
        result TEXT,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX batch_items_recording ON batch_items(recording_id);
    CREATE TABLE batches (
        batch_id TEXT PRIMARY KEY,
        input_file_id TEXT NOT NULL,
        model TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
)


@dataclass(frozen=True)
class ApiCall:
    """One call to a remote API, as the call wrapper saw it."""

    backend: str
    endpoint: str
    model: str
    status: str  # ok, length, refused, or the error class that ended the attempt
    latency_s: float
    recording_id: int | None = None
    request_id: str | None = None
    http_status: int | None = None
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    audio_seconds: float = 0.0
    cost_usd: float = 0.0
    batch: bool = False


@dataclass(frozen=True)
class ApiPauseRow:
    kind: str
    reason: str
    since: datetime
    until: float | None


@dataclass(frozen=True)
class BatchItem:
    custom_id: str
    recording_id: int
    plan: str
    request: dict[str, Any]
    batch_id: str | None
    state: str  # pending (not yet sent), submitted, done, failed
    result: dict[str, Any] | None
    error: str | None
    attempts: int


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


def _column_value(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Ledger:
    def __init__(self, path: Path, *, busy_timeout_s: float = 30.0) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
            self._migrate()
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot open ledger {path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """A write transaction, for the modules that own a table's logic (actions, digests)."""
        return self._tx()

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return self._query(sql, params)

    def meta(self, key: str, default: str) -> str:
        """A value kept once, e.g. when this ledger was first used; set to ``default`` if new."""
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, default))
            return str(db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise LedgerError(f"ledger {self.path}: {exc}") from exc

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise LedgerError(f"ledger {self.path}: {exc}") from exc

    def _migrate(self) -> None:
        with self._tx() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            (current,) = db.execute(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"
            ).fetchone()
        if current > len(MIGRATIONS):
            raise LedgerError(
                f"ledger {self.path} is at schema {current}, newer than this Minutes "
                f"({len(MIGRATIONS)}); upgrade Minutes"
            )
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            with self._tx() as db:
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute("INSERT INTO schema_migrations VALUES (?, ?)", (version, _now()))
            log.info("ledger migrated to schema %d", version)

    @property
    def schema_version(self) -> int:
        return int(self._query("SELECT MAX(version) FROM schema_migrations")[0][0])

    # Recordings -----------------------------------------------------------------------------

    def add_recording(
        self, *, sha256: str | None, path: Path, size: int | None, mtime_ns: int | None
    ) -> RecordingRow:
        with self._tx() as db:
            now = _now()
            cursor = db.execute(
                "INSERT INTO recordings (sha256, source_name, path, size, state, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?)",
                (sha256, path.name, str(path), size, now, now),
            )
            recording_id = int(cursor.lastrowid or 0)
            db.execute(
                "INSERT INTO sources (recording_id, path, size, mtime_ns, role, seen_at) "
                "VALUES (?, ?, ?, ?, 'original', ?)",
                (recording_id, str(path), size, mtime_ns, now),
            )
            self._event(db, recording_id, "queued", path.name)
        return self.get(recording_id)

    def add_source(
        self, recording_id: int, path: Path, size: int | None, mtime_ns: int | None, role: str
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO sources (recording_id, path, size, mtime_ns, role, seen_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (recording_id, str(path), size, mtime_ns, role, _now()),
            )
            self._event(db, recording_id, role, path.name)

    def source_of(self, path: Path, size: int, mtime_ns: int) -> int | None:
        """The recording a file was already identified as, if it has not changed since."""
        rows = self._query(
            "SELECT recording_id FROM sources WHERE path = ? AND size = ? AND mtime_ns = ? "
            "ORDER BY id DESC LIMIT 1",
            (str(path), size, mtime_ns),
        )
        return int(rows[0][0]) if rows else None

    def find_sha(self, sha256: str) -> RecordingRow | None:
        rows = self._query("SELECT id FROM recordings WHERE sha256 = ?", (sha256,))
        return self.get(int(rows[0][0])) if rows else None

    def get(self, recording_id: int) -> RecordingRow:
        rows = self._query(
            "SELECT r.*, p.markdown AS report FROM recordings r "
            "LEFT JOIN reports p ON p.recording_id = r.id WHERE r.id = ?",
            (recording_id,),
        )
        if not rows:
            raise LedgerError(f"no recording #{recording_id}")
        return _row(rows[0])

    def recordings(
        self, states: tuple[State, ...] = STATES, limit: int = 1000
    ) -> list[RecordingRow]:
        marks = ",".join("?" * len(states))
        rows = self._query(
            "SELECT r.*, p.markdown AS report FROM recordings r "
            f"LEFT JOIN reports p ON p.recording_id = r.id WHERE r.state IN ({marks}) "
            "ORDER BY r.id DESC LIMIT ?",
            (*states, limit),
        )
        return [_row(r) for r in rows]

    def counts(self) -> dict[str, int]:
        rows = self._query("SELECT state, COUNT(*) FROM recordings GROUP BY state")
        found = {str(r[0]): int(r[1]) for r in rows}
        return {state: found.get(state, 0) for state in STATES}

    def update(self, recording_id: int, **fields: Any) -> None:
        allowed = {
            "path", "recorded_at", "duration", "stage", "error", "plan_key", "processing_s",
            "meeting_date",
        }  # fmt: skip
        self._update("recordings", "id", recording_id, allowed, fields)

    def _update(
        self, table: str, key: str, value: object, allowed: set[str], fields: dict[str, Any]
    ) -> None:
        """Set ``fields`` (and updated_at) on one row; names outside ``allowed`` are a bug."""
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        values = [_column_value(v) for v in fields.values()]
        assignments = ", ".join(f"{k} = ?" for k in fields)
        with self._tx() as db:
            db.execute(
                f"UPDATE {table} SET {assignments}, updated_at = ? WHERE {key} = ?",
                (*values, _now(), value),
            )

    def set_state(
        self, recording_id: int, state: State, *, stage: str | None = None, error: str | None = None
    ) -> None:
        with self._tx() as db:
            attempts = ", attempts = attempts + 1" if state == "processing" else ""
            db.execute(
                f"UPDATE recordings SET state = ?, stage = ?, error = ?, updated_at = ?{attempts} "
                "WHERE id = ?",
                (state, stage, error, _now(), recording_id),
            )
            self._event(db, recording_id, state, error or stage)

    def event(self, recording_id: int | None, kind: str, detail: str | None = None) -> None:
        with self._tx() as db:
            self._event(db, recording_id, kind, detail)

    def events(self, recording_id: int, kind: str | None = None) -> list[tuple[str, str | None]]:
        rows = self._query(
            "SELECT kind, detail FROM events WHERE recording_id = ? AND (? IS NULL OR kind = ?) "
            "ORDER BY id",
            (recording_id, kind, kind),
        )
        return [(str(r[0]), r[1]) for r in rows]

    @staticmethod
    def _event(
        db: sqlite3.Connection, recording_id: int | None, kind: str, detail: str | None
    ) -> None:
        db.execute(
            "INSERT INTO events (recording_id, at, kind, detail) VALUES (?, ?, ?, ?)",
            (recording_id, _now(), kind, detail),
        )

    # Chunk checkpoints ----------------------------------------------------------------------

    def begin_plan(self, recording_id: int, plan_key: str) -> None:
        """Keep checkpoints made under the same plan; drop those of another model or chunking."""
        with self._tx() as db:
            dropped = db.execute(
                "DELETE FROM chunks WHERE recording_id = ? AND plan_key != ?",
                (recording_id, plan_key),
            ).rowcount
            db.execute("UPDATE recordings SET plan_key = ? WHERE id = ?", (plan_key, recording_id))
            if dropped:
                self._event(
                    db, recording_id, "checkpoints_dropped", f"{dropped} (settings changed)"
                )

    def save_chunk(self, recording_id: int, plan_key: str, chunk: ChunkTranscript) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO chunks (recording_id, idx, plan_key, start, end, overlap, language, "
                "segments, elapsed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    recording_id, chunk.index, plan_key, chunk.start, chunk.end, chunk.overlap,
                    chunk.language, _segments_json(chunk.segments), chunk.elapsed, _now(),
                ),
            )  # fmt: skip
            self._event(db, recording_id, "chunk_transcribed", str(chunk.index))

    def chunks(self, recording_id: int, plan_key: str) -> dict[int, ChunkTranscript]:
        rows = self._query(
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
            )
            for r in rows
        }

    # Transcripts and reports ----------------------------------------------------------------

    def save_transcript(self, recording_id: int, transcript: Transcript) -> None:
        paragraphs = [[p.start, p.end, len(p.segments)] for p in transcript.paragraphs]
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO transcripts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    recording_id, transcript.language, transcript.duration,
                    transcript.provenance.backend, transcript.provenance.model,
                    json.dumps(transcript.provenance.options), _segments_json(transcript.segments),
                    json.dumps(paragraphs), _now(),
                ),
            )  # fmt: skip

    def transcript(self, recording_id: int) -> Transcript | None:
        rows = self._query("SELECT * FROM transcripts WHERE recording_id = ?", (recording_id,))
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
        )

    def save_report(self, recording_id: int, report: Report, processing_s: float) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?)",
                (
                    recording_id, str(report.markdown),
                    json.dumps([str(p) for p in report.sidecars]), _now(),
                ),
            )  # fmt: skip
            db.execute(
                "UPDATE recordings SET processing_s = ? WHERE id = ?", (processing_s, recording_id)
            )

    def save_summary(
        self, recording_id: int, summarizer: str, meeting_date: date, summary: Summary
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?, ?, ?)",
                (
                    recording_id, summarizer, meeting_date.isoformat(),
                    summary.model_dump_json(), summary.unverified, _now(),
                ),
            )  # fmt: skip
            self._event(db, recording_id, "summarized", summarizer)

    def summary(self, recording_id: int) -> tuple[str, Summary] | None:
        rows = self._query(
            "SELECT summarizer, summary FROM summaries WHERE recording_id = ?", (recording_id,)
        )
        if not rows:
            return None
        return str(rows[0][0]), Summary.model_validate_json(rows[0][1])

    # Remote API calls, costs and the pause -------------------------------------------------

    def record_call(self, call: ApiCall) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO api_calls (at, recording_id, backend, endpoint, model, request_id, "
                "status, http_status, error, latency_s, tokens_in, tokens_out, audio_seconds, "
                "cost_usd, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _now(), call.recording_id, call.backend, call.endpoint, call.model,
                    call.request_id, call.status, call.http_status, call.error, call.latency_s,
                    call.tokens_in, call.tokens_out, call.audio_seconds, call.cost_usd,
                    int(call.batch),
                ),
            )  # fmt: skip

    def api_calls(self, recording_id: int | None = None) -> list[ApiCall]:
        rows = self._query(
            "SELECT * FROM api_calls WHERE ? IS NULL OR recording_id = ? ORDER BY id",
            (recording_id, recording_id),
        )
        return [
            ApiCall(
                backend=r["backend"], endpoint=r["endpoint"], model=r["model"],
                status=r["status"], latency_s=r["latency_s"], recording_id=r["recording_id"],
                request_id=r["request_id"], http_status=r["http_status"], error=r["error"],
                tokens_in=r["tokens_in"], tokens_out=r["tokens_out"],
                audio_seconds=r["audio_seconds"], cost_usd=r["cost_usd"], batch=bool(r["batch"]),
            )
            for r in rows
        ]  # fmt: skip

    def spent_since(self, since: datetime, until: datetime | None = None) -> float:
        """API spending from ``since`` (inclusive) up to ``until`` (inclusive), if given."""
        bounds = [since] + ([until] if until is not None else [])
        utc = [b.astimezone(timezone.utc).isoformat(timespec="milliseconds") for b in bounds]
        rows = self._query(
            "SELECT COALESCE(SUM(cost_usd), 0) FROM api_calls WHERE at >= ?"
            + (" AND at <= ?" if until is not None else ""),
            tuple(utc),
        )
        return float(rows[0][0])

    def recording_cost(self, recording_id: int) -> float | None:
        """What the API calls for a recording cost; None when it made none."""
        rows = self._query(
            "SELECT COUNT(*), COALESCE(SUM(cost_usd), 0) FROM api_calls WHERE recording_id = ?",
            (recording_id,),
        )
        return float(rows[0][1]) if rows[0][0] else None

    def cost_totals(self, group: str, since: datetime | None = None) -> list[dict[str, Any]]:
        """Totals grouped by ``day``, ``model`` or ``recording``, newest or dearest first."""
        key = {
            "day": "substr(c.at, 1, 10)",
            "model": "c.model",
            "recording": "COALESCE('#' || c.recording_id || ' ' || r.source_name, '(none)')",
        }[group]
        order = "key DESC" if group == "day" else "cost DESC"
        rows = self._query(
            f"SELECT {key} AS key, COUNT(*) AS calls, SUM(c.cost_usd) AS cost, "
            "SUM(c.tokens_in) AS tokens_in, SUM(c.tokens_out) AS tokens_out, "
            "SUM(c.audio_seconds) AS audio_seconds FROM api_calls c "
            "LEFT JOIN recordings r ON r.id = c.recording_id "
            f"WHERE ? IS NULL OR c.at >= ? GROUP BY key ORDER BY {order}",
            (since and since.isoformat(), since and since.isoformat()),
        )
        return [dict(r) for r in rows]

    def set_pause(self, kind: str, reason: str, until: float | None) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO api_pause VALUES (1, ?, ?, ?, ?)",
                (kind, reason, _now(), until),
            )
            self._event(db, None, "api_paused", f"{kind}: {reason}")

    def clear_pause(self, kinds: tuple[str, ...] = ("auth", "quota", "budget")) -> None:
        marks = ",".join("?" * len(kinds))
        with self._tx() as db:
            if db.execute(f"DELETE FROM api_pause WHERE kind IN ({marks})", kinds).rowcount:
                self._event(db, None, "api_resumed", None)

    def pause(self) -> ApiPauseRow | None:
        rows = self._query("SELECT * FROM api_pause WHERE id = 1")
        if not rows:
            return None
        r = rows[0]
        return ApiPauseRow(r["kind"], r["reason"], datetime.fromisoformat(r["since"]), r["until"])

    def save_summary_provenance(
        self, recording_id: int, backend: str, model: str, prompt_version: str,
        options: dict[str, Any],
    ) -> None:  # fmt: skip
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO summary_provenance VALUES (?, ?, ?, ?, ?, ?)",
                (recording_id, backend, model, prompt_version, json.dumps(options), _now()),
            )

    def summary_provenance(self, recording_id: int) -> dict[str, Any] | None:
        rows = self._query(
            "SELECT * FROM summary_provenance WHERE recording_id = ?", (recording_id,)
        )
        if not rows:
            return None
        r = rows[0]
        return {
            "backend": r["backend"], "model": r["model"], "prompt_version": r["prompt_version"],
            "options": json.loads(r["options"]),
        }  # fmt: skip

    # Batch API --------------------------------------------------------------------------------

    def add_batch_items(self, recording_id: int, plan: str, requests: dict[str, Any]) -> None:
        """Queue requests (custom_id -> body) for the next batch; replace other plans' items."""
        with self._tx() as db:
            db.execute(
                "DELETE FROM batch_items WHERE recording_id = ? AND plan != ?", (recording_id, plan)
            )
            now = _now()
            for custom_id, body in requests.items():
                db.execute(
                    "INSERT OR IGNORE INTO batch_items (custom_id, recording_id, plan, request, "
                    "state, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                    (custom_id, recording_id, plan, json.dumps(body), now, now),
                )

    def batch_items(
        self, *, recording_id: int | None = None, state: str | None = None,
        batch_id: str | None = None,
    ) -> list[BatchItem]:  # fmt: skip
        rows = self._query(
            "SELECT * FROM batch_items WHERE (? IS NULL OR recording_id = ?) "
            "AND (? IS NULL OR state = ?) AND (? IS NULL OR batch_id = ?) ORDER BY custom_id",
            (recording_id, recording_id, state, state, batch_id, batch_id),
        )
        return [
            BatchItem(
                custom_id=r["custom_id"], recording_id=r["recording_id"], plan=r["plan"],
                request=json.loads(r["request"]), batch_id=r["batch_id"], state=r["state"],
                result=json.loads(r["result"]) if r["result"] else None, error=r["error"],
                attempts=r["attempts"],
            )
            for r in rows
        ]  # fmt: skip

    def update_batch_item(self, custom_id: str, **fields: Any) -> None:
        allowed = {"batch_id", "state", "result", "error", "attempts"}
        self._update("batch_items", "custom_id", custom_id, allowed, fields)

    def add_batch(
        self, batch_id: str, input_file_id: str, model: str, custom_ids: list[str]
    ) -> None:
        with self._tx() as db:
            now = _now()
            db.execute(
                "INSERT INTO batches VALUES (?, ?, ?, 'submitted', ?, ?)",
                (batch_id, input_file_id, model, now, now),
            )
            for custom_id in custom_ids:
                db.execute(
                    "UPDATE batch_items SET batch_id = ?, state = 'submitted', "
                    "attempts = attempts + 1, updated_at = ? WHERE custom_id = ?",
                    (batch_id, now, custom_id),
                )

    def open_batches(self) -> list[str]:
        rows = self._query("SELECT batch_id FROM batches WHERE state = 'submitted' ORDER BY 1")
        return [str(r[0]) for r in rows]

    def close_batch(self, batch_id: str, state: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE batches SET state = ?, updated_at = ? WHERE batch_id = ?",
                (state, _now(), batch_id),
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
        recorded_at=_parse_time(r["recorded_at"]),
        duration=r["duration"],
        state=r["state"],
        stage=r["stage"],
        error=r["error"],
        attempts=int(r["attempts"]),
        processing_s=r["processing_s"],
        updated_at=_parse_time(r["updated_at"]) or datetime.now(timezone.utc),
        report=Path(r["report"]) if r["report"] else None,
        meeting_date=date.fromisoformat(r["meeting_date"]) if r["meeting_date"] else None,
        plan_key=r["plan_key"],
    )

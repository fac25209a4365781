"""The ledger's database: one SQLite connection behind a lock, its transactions and migrations.

WAL with ``synchronous=FULL``: a checkpoint that was acknowledged survives a kill -9 or a power
cut, and ``minutes status`` can read while the daemon writes. Migrations are an append-only list
(existing databases have applied a prefix of it, so entries are never edited or reordered); the
version reached is kept in ``schema_migrations``. One connection is shared behind a lock, so the
watcher and the worker threads can all use one Ledger and its stores.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from daemon.errors import LedgerError

log = logging.getLogger("daemon.ledger")

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
    # Leases (issue 8): the process that owns a recording at a time, so two runs do not race.
    """
    CREATE TABLE leases (
        recording_id INTEGER PRIMARY KEY,
        owner TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        expires_at REAL NOT NULL
    )
    """,
    # The inputs a summary was made from, so a resumed run reuses it only if they still match.
    """
    ALTER TABLE summaries ADD COLUMN input_key TEXT
    """,
    # Who said it (issue 9): voice embeddings checkpointed with each chunk; the transcript's
    # speakers and the diarization it came from; names the user gave; voice profiles.
    """
    ALTER TABLE chunks ADD COLUMN embeddings BLOB;
    ALTER TABLE transcripts ADD COLUMN speakers TEXT;
    ALTER TABLE transcripts ADD COLUMN diarize_key TEXT;
    CREATE TABLE speaker_names (
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        label TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (recording_id, label)
    );
    CREATE TABLE voice_profiles (
        name TEXT PRIMARY KEY,
        vector BLOB NOT NULL,
        seconds REAL NOT NULL,
        meetings INTEGER NOT NULL,
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    # Semantic search (issue 13): passages of each report (a few sentences with speaker and
    # time, decisions, action items), their keyword index, and their embeddings by model.
    """
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY,
        recording_id INTEGER NOT NULL REFERENCES recordings(id),
        idx INTEGER NOT NULL,
        kind TEXT NOT NULL,
        speaker TEXT,
        start REAL,
        end REAL,
        text TEXT NOT NULL,
        UNIQUE (recording_id, idx)
    );
    CREATE VIRTUAL TABLE passages_fts USING fts5(
        text, passage_id UNINDEXED, tokenize = 'porter unicode61'
    );
    CREATE TABLE passage_vectors (
        passage_id INTEGER NOT NULL REFERENCES passages(id),
        model TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (passage_id, model)
    );
    CREATE INDEX passage_vectors_model ON passage_vectors(model)
    """,
)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _column_value(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return json.dumps(value)
    return value


class Database:
    """The connection the stores share; each store writes only its own tables through it."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 30.0) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
            )
            self._db.row_factory = sqlite3.Row
            self._enable_wal(busy_timeout_s)
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
            self._migrate()
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot open ledger {path}: {exc}") from exc

    def _enable_wal(self, timeout_s: float) -> None:
        # Switching a new file to WAL needs it to itself, and SQLite answers "database is
        # locked" at once rather than waiting the busy timeout when another process is doing
        # the same: two `minutes process` started together on a new state directory.
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; BEGIN IMMEDIATE takes the write lock before the first read."""
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

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise LedgerError(f"ledger {self.path}: {exc}") from exc

    def update_row(
        self, table: str, key: str, value: object, allowed: set[str], fields: dict[str, Any]
    ) -> None:
        """Set ``fields`` (and updated_at) on one row; names outside ``allowed`` are a bug."""
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        values = [_column_value(v) for v in fields.values()]
        assignments = ", ".join(f"{k} = ?" for k in fields)
        with self.tx() as db:
            db.execute(
                f"UPDATE {table} SET {assignments}, updated_at = ? WHERE {key} = ?",
                (*values, now(), value),
            )

    def meta(self, key: str, default: str) -> str:
        """A value kept once, e.g. when this ledger was first used; set to ``default`` if new."""
        with self.tx() as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, default))
            return str(db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    @property
    def schema_version(self) -> int:
        return int(self.query("SELECT MAX(version) FROM schema_migrations")[0][0])

    def _migrate(self) -> None:
        # Reading the version and applying what is missing share one write transaction: two
        # processes opening a new ledger together would otherwise both read version 0 and the
        # second would apply the first's migrations again ("duplicate column name").
        applied: list[int] = []
        with self.tx() as db:
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
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute("INSERT INTO schema_migrations VALUES (?, ?)", (version, now()))
                applied.append(version)
        for version in applied:
            log.info("ledger migrated to schema %d", version)

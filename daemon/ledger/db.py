"""The ledger's database: one SQLite connection behind a lock, its transactions and migrations.

WAL with ``synchronous=FULL``: a checkpoint that was acknowledged survives a kill -9 or a power
cut, and ``minutes status`` can read while the daemon writes. The migrations (``schema``) are
applied in one write transaction; the version reached is kept in ``schema_migrations``. One
connection is shared behind a lock, so the watcher and the worker threads can all use one
Ledger and its stores.
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
from daemon.ledger.schema import MIGRATIONS

log = logging.getLogger("daemon.ledger")


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

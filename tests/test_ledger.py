"""The ledger: durable, migrated once, checkpoints tied to the plan that made them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from daemon.errors import LedgerError
from daemon.ledger import MIGRATIONS, Ledger
from daemon.models import ChunkTranscript, Segment


def test_a_new_ledger_is_migrated_to_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        assert ledger.schema_version == len(MIGRATIONS)
    db = sqlite3.connect(tmp_path / "l.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)


def test_reopening_applies_no_migration_twice_and_keeps_data(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        ledger.add_recording(sha256="a" * 64, path=tmp_path / "x.wav", size=1, mtime_ns=1)
    with Ledger(tmp_path / "l.db") as ledger:
        assert ledger.counts()["queued"] == 1
        assert ledger.schema_version == len(MIGRATIONS)


def test_a_ledger_from_a_newer_minutes_is_refused(tmp_path: Path) -> None:
    Ledger(tmp_path / "l.db").close()
    db = sqlite3.connect(tmp_path / "l.db")
    db.execute("INSERT INTO schema_migrations VALUES (99, 'later')")
    db.commit()
    with pytest.raises(LedgerError, match="newer than this Minutes"):
        Ledger(tmp_path / "l.db")


def test_checkpoints_survive_only_under_the_same_plan(ledger: Ledger, tmp_path: Path) -> None:
    row = ledger.add_recording(sha256="b" * 64, path=tmp_path / "y.wav", size=1, mtime_ns=1)
    ledger.begin_plan(row.id, "plan-a")
    checkpoint = ChunkTranscript(0, 0.0, 10.0, 0.0, "en", (Segment(1.0, 2.0, "hello"),), 0.5)
    ledger.save_chunk(row.id, "plan-a", checkpoint)
    assert ledger.chunks(row.id, "plan-a") == {0: checkpoint}
    ledger.begin_plan(row.id, "plan-a")
    assert ledger.chunks(row.id, "plan-a") == {0: checkpoint}
    ledger.begin_plan(row.id, "plan-b")  # another model or chunking: old chunks do not fit
    assert ledger.chunks(row.id, "plan-b") == {}
    assert ("checkpoints_dropped", "1 (settings changed)") in ledger.events(row.id)


def test_a_chunk_cannot_be_checkpointed_twice(ledger: Ledger, tmp_path: Path) -> None:
    row = ledger.add_recording(sha256="c" * 64, path=tmp_path / "z.wav", size=1, mtime_ns=1)
    checkpoint = ChunkTranscript(0, 0.0, 10.0, 0.0, "en", (), 0.5)
    ledger.save_chunk(row.id, "p", checkpoint)
    with pytest.raises(LedgerError, match="UNIQUE"):
        ledger.save_chunk(row.id, "p", checkpoint)


def test_states_are_counted_and_attempts_recorded(ledger: Ledger, tmp_path: Path) -> None:
    row = ledger.add_recording(sha256="d" * 64, path=tmp_path / "w.wav", size=1, mtime_ns=1)
    ledger.set_state(row.id, "processing", stage="probe")
    ledger.set_state(row.id, "failed", stage="probe", error="is empty (0 bytes)")
    failed = ledger.get(row.id)
    assert (failed.state, failed.stage, failed.error, failed.attempts) == (
        "failed", "probe", "is empty (0 bytes)", 1,
    )  # fmt: skip
    assert ledger.counts() == {"queued": 0, "processing": 0, "done": 0, "failed": 1}

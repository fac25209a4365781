"""The ledger: durable, migrated once, checkpoints tied to the plan that made them."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from daemon.errors import LedgerError
from daemon.ledger import MIGRATIONS, Ledger
from daemon.models import ChunkTranscript, Segment
from daemon.summarize.schema import Summary

SUMMARY = Summary(title="Budget sync", overview="We went over the budget.")


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


def test_an_existing_ledger_is_upgraded_in_place_and_keeps_its_summaries(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    old = sqlite3.connect(path, isolation_level=None)
    old.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    for version, script in enumerate(MIGRATIONS[:4], start=1):  # the schema before issue 8
        for statement in filter(str.strip, script.split(";")):
            old.execute(statement)
        old.execute("INSERT INTO schema_migrations VALUES (?, 'then')", (version,))
    old.execute(
        "INSERT INTO recordings (id, source_name, path, state, created_at, updated_at) "
        "VALUES (1, 'a.wav', 'a.wav', 'done', 'then', 'then')"
    )
    old.execute(
        "INSERT INTO summaries VALUES (1, 'extractive', '2026-06-01', ?, 0, 'then')",
        (SUMMARY.model_dump_json(),),
    )
    old.close()
    with Ledger(path) as ledger:
        assert ledger.schema_version == len(MIGRATIONS)
        assert ledger.summary(1) == ("extractive", SUMMARY)
        assert ledger.summary_for(1, "any key") is None  # made before keys: not reusable


def test_a_summary_is_reused_only_for_the_inputs_it_was_made_from(
    ledger: Ledger, tmp_path: Path
) -> None:
    row = ledger.add_recording(sha256="e" * 64, path=tmp_path / "s.wav", size=1, mtime_ns=1)
    ledger.save_summary(row.id, "extractive", date(2026, 6, 1), SUMMARY, input_key="key-1")
    assert ledger.summary_for(row.id, "key-1") == SUMMARY
    assert ledger.summary_for(row.id, "key-2") is None
    assert ledger.summaries.summary_for(row.id, "key-1") == SUMMARY
    ledger.save_summary(row.id, "extractive", date(2026, 6, 1), SUMMARY)  # no key: no reuse
    assert ledger.summary_for(row.id, "key-1") is None
    assert ledger.summary(row.id) == ("extractive", SUMMARY)


# Leases ------------------------------------------------------------------------------------


def _recording(ledger: Ledger, tmp_path: Path) -> int:
    return ledger.add_recording(sha256=None, path=tmp_path / "l.wav", size=1, mtime_ns=1).id


def _hand_lease_to(ledger: Ledger, recording_id: int, **fields: object) -> None:
    """Rewrite the stored lease as if another process (``fields``) had taken it."""
    assignments = ", ".join(f"{name} = ?" for name in fields)
    with ledger.transaction() as db:
        db.execute(
            f"UPDATE leases SET {assignments} WHERE recording_id = ?",
            (*fields.values(), recording_id),
        )


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_free_recording_is_claimed_by_this_process_until_the_ttl(
    ledger: Ledger, tmp_path: Path
) -> None:
    rid = _recording(ledger, tmp_path)
    before = time.time()
    lease = ledger.claim(rid, "me", 60.0)
    assert lease is not None
    assert (lease.recording_id, lease.owner, lease.host, lease.pid) == (
        rid, "me", socket.gethostname(), os.getpid(),
    )  # fmt: skip
    assert before + 60.0 <= lease.expires_at <= time.time() + 60.0
    assert ledger.holder(rid) == lease
    assert ledger.recordings.holder(rid) == lease


def test_a_recording_held_by_a_live_process_is_refused_to_another_owner(
    ledger: Ledger, tmp_path: Path
) -> None:
    rid = _recording(ledger, tmp_path)
    held = ledger.claim(rid, "first", 60.0)
    assert ledger.claim(rid, "second", 60.0) is None
    assert ledger.holder(rid) == held


def test_the_holder_may_claim_again(ledger: Ledger, tmp_path: Path) -> None:
    rid = _recording(ledger, tmp_path)
    first = ledger.claim(rid, "me", 1.0)
    again = ledger.claim(rid, "me", 60.0)
    assert first is not None and again is not None
    assert again.expires_at > first.expires_at


def test_an_expired_lease_is_taken_over(ledger: Ledger, tmp_path: Path) -> None:
    rid = _recording(ledger, tmp_path)
    ledger.claim(rid, "gone", 60.0)
    _hand_lease_to(ledger, rid, host="elsewhere", expires_at=time.time() - 1)
    taken = ledger.claim(rid, "me", 60.0)
    assert taken is not None and ledger.holder(rid) == taken


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over_before_it_expires(
    ledger: Ledger, tmp_path: Path
) -> None:
    rid = _recording(ledger, tmp_path)
    ledger.claim(rid, "killed", 3600.0)
    _hand_lease_to(ledger, rid, pid=_dead_pid())
    assert ledger.claim(rid, "me", 60.0) is not None


def test_a_lease_held_on_another_host_waits_for_its_expiry_whatever_the_pid(
    ledger: Ledger, tmp_path: Path
) -> None:
    rid = _recording(ledger, tmp_path)
    ledger.claim(rid, "remote", 3600.0)
    _hand_lease_to(ledger, rid, host="another-machine", pid=_dead_pid())
    assert ledger.claim(rid, "me", 60.0) is None


def test_a_holder_we_may_not_signal_counts_as_alive(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = _recording(ledger, tmp_path)
    ledger.claim(rid, "other user", 3600.0)
    _hand_lease_to(ledger, rid, pid=_dead_pid())

    def not_permitted(pid: int, signal: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "kill", not_permitted)
    assert ledger.claim(rid, "me", 60.0) is None


def test_only_one_of_two_simultaneous_claimants_wins(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Ledger(path) as ledger:
        rid = _recording(ledger, tmp_path)
    start = threading.Barrier(2)
    won: list[bool] = []

    def claim(owner: str) -> None:
        with Ledger(path) as own:  # a connection of its own, like another process
            start.wait()
            won.append(own.claim(rid, owner, 60.0) is not None)

    threads = [threading.Thread(target=claim, args=(f"owner-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(won) == [False, True]


def test_renewing_extends_the_lease_and_tells_a_holder_that_lost_it(
    ledger: Ledger, tmp_path: Path
) -> None:
    rid = _recording(ledger, tmp_path)
    first = ledger.claim(rid, "me", 1.0)
    assert first is not None
    assert ledger.renew(rid, "me", 60.0)
    renewed = ledger.holder(rid)
    assert renewed is not None and renewed.expires_at > first.expires_at
    _hand_lease_to(ledger, rid, expires_at=time.time() - 1)
    assert ledger.claim(rid, "thief", 60.0) is not None
    assert not ledger.renew(rid, "me", 60.0)
    assert not ledger.renew(_recording(ledger, tmp_path), "me", 60.0)  # never held


def test_releasing_frees_the_recording_but_not_a_lease_someone_else_holds(
    ledger: Ledger, tmp_path: Path
) -> None:
    rid = _recording(ledger, tmp_path)
    ledger.claim(rid, "me", 60.0)
    ledger.release(rid, "someone else")
    assert ledger.holder(rid) is not None
    ledger.release(rid, "me")
    assert ledger.holder(rid) is None
    assert ledger.claim(rid, "next", 60.0) is not None


# Ownership ---------------------------------------------------------------------------------


def test_no_daemon_module_outside_the_ledger_writes_sql() -> None:
    daemon = Path(__file__).parent.parent / "daemon"
    # A Redis pipeline's ``pipe.execute()`` (the Celery executor) is not SQL.
    raw = re.compile(r"(?<!pipe)\.execute(?:many)?\(|\.transaction\(\)|\bledger\.query\(|\._db\b")
    offenders = [
        str(path.relative_to(daemon))
        for path in daemon.rglob("*.py")
        if "ledger" not in path.relative_to(daemon).parts and raw.search(path.read_text())
    ]
    assert offenders == []


def test_processes_opening_a_new_ledger_at_once_all_get_the_latest_schema(
    tmp_path: Path,
) -> None:
    # Two `minutes process` started together both find a ledger without tables; each must
    # see the other's migrations rather than apply them a second time.
    go = tmp_path / "go"
    opener = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from daemon.ledger import Ledger\n"
        "while not Path(sys.argv[1]).exists():\n"
        "    time.sleep(0.001)\n"
        "with Ledger(Path(sys.argv[2])) as ledger:\n"
        "    print(ledger.schema_version)\n"
    )
    for trial in range(3):
        path = tmp_path / f"l{trial}.db"
        go.unlink(missing_ok=True)
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", opener, str(go), str(path)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(6)
        ]
        time.sleep(1.0)  # every opener is waiting for the same moment
        go.touch()
        for run in runs:
            out, err = run.communicate(timeout=60)
            assert run.returncode == 0, err
            assert int(out) == len(MIGRATIONS)
